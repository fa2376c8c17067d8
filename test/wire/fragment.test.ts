// fragmentPacket and fragments through the codec: sizes, offsets, options, byte-exact round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket, encodePacket, reassembledPacket, verifyChecksums } from '../../src/wire/codec.js';
import { fragmentPacket, optionsForLaterFragments } from '../../src/wire/fragment.js';
import { fragmentOffset, makeUdp, moreFragments, packetLength } from '../../src/wire/packet.js';
import { Lcg } from './vectors.js';

test('a datagram cut at random MTUs: 8-byte offsets, payloads that join back, bytes that decode to the same fragment', () => {
  const rng = new Lcg(7);
  for (let n = 0; n < 200; n++) {
    const data = rng.bytes(rng.below(5000));
    const p = makeUdp(0x0a000001, 1000 + n, 0x0a000002, 53, data);
    p.id = n;
    if (n % 3 === 0) p.options = new Uint8Array([0x07, 7, 4, 0, 0, 0, 0, 0x94, 4, 0, 0, 0]); // record route, router alert
    const mtu = 68 + rng.below(1500);
    const frags = fragmentPacket(p, mtu);
    const joined: number[] = [];
    for (let i = 0; i < frags.length; i++) {
      const f = frags[i];
      assert.ok(packetLength(f) <= mtu || frags.length === 1);
      assert.equal(fragmentOffset(f), joined.length, 'offsets follow on');
      assert.equal(moreFragments(f), i < frags.length - 1);
      if (i < frags.length - 1) assert.equal(f.payload.length % 8, 0);
      const bytes = encodePacket(f);
      assert.deepEqual(verifyChecksums(bytes), []);
      const back = decodePacket(bytes);
      assert.equal(back.frag, f.frag);
      assert.deepEqual(encodePacket(back), bytes, 'decode then encode gives the same bytes');
      if (frags.length > 1) joined.push(...f.payload);
    }
    if (frags.length === 1) continue;
    assert.equal(frags[0].srcPort, 1000 + n, 'the first fragment shows the ports');
    assert.equal(frags[1].srcPort, 0, 'later ones have none');
    const whole = reassembledPacket(frags[0], new Uint8Array(joined));
    assert.deepEqual([whole.srcPort, whole.dstPort, Buffer.from(whole.payload).equals(Buffer.from(data))], [1000 + n, 53, true]);
  }
});

test('later fragments keep the options with the copy flag and turn the others into No Operation', () => {
  // record route (7, not copied), loose source route (0x83, copied), end of list.
  const opts = new Uint8Array([0x07, 3, 4, 0x83, 7, 8, 1, 2, 3, 4, 0, 0]);
  assert.deepEqual([...optionsForLaterFragments(opts)!], [1, 1, 1, 0x83, 7, 8, 1, 2, 3, 4, 0, 0]);
});

test('a fragment of a fragment keeps its offset and, on the last piece, its More Fragments bit', () => {
  const p = makeUdp(1, 2, 3, 4, new Uint8Array(4000));
  const [first, second] = fragmentPacket(p, 1500);
  const again = fragmentPacket(second, 576);
  assert.deepEqual(again.map((f) => [fragmentOffset(f), moreFragments(f)]), [[1480, true], [2032, true], [2584, true]]);
  assert.equal(fragmentPacket(first, 1500)[0], first, 'what fits comes back as it is');
});
