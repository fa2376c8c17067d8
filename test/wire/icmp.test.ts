// IcmpView: echo and error messages, the quoted packet, validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IcmpView } from '../../src/wire/icmp.js';
import { WireError } from '../../src/wire/errors.js';
import { DNS_QUERY, ECHO_REQUEST, hex, PORT_UNREACHABLE, toHex } from './vectors.js';

test('IcmpView fields of fixed messages', () => {
  const cases = [
    {
      name: 'echo request', bytes: ECHO_REQUEST.subarray(20),
      want: { type: 8, code: 0, checksum: 0x5435, id: 0x1234, seq: 1, body: '61 62 63 64 65 66 67 68', verified: true, computed: 0x5435,
        text: 'ICMP echo-request code=0 id=4660 seq=1 len=16' },
    },
    {
      name: 'port unreachable', bytes: PORT_UNREACHABLE.subarray(20),
      want: { type: 3, code: 3, checksum: 0xba86, id: 0, seq: 0, body: toHex(DNS_QUERY.subarray(0, 28)), verified: true, computed: 0xba86,
        text: 'ICMP unreachable code=3 id=0 seq=0 len=36' },
    },
    {
      name: 'fragmentation needed carries the MTU in seq', bytes: hex('03 04 00 00 00 00 05 dc'),
      want: { type: 3, code: 4, checksum: 0, id: 0, seq: 1500, body: '', verified: false, computed: 0xf71f,
        text: 'ICMP unreachable code=4 id=0 seq=1500 len=8' },
    },
  ];
  for (const c of cases) {
    const m = IcmpView.checked(c.bytes);
    const got = {
      type: m.type, code: m.code, checksum: m.checksum, id: m.id, seq: m.seq, body: toHex(m.body),
      verified: m.verifyChecksum(), computed: m.computeChecksum(), text: m.toString(),
    };
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});

test('IcmpView.quotedPacket is the bytes after the header, sharing memory', () => {
  const m = IcmpView.checked(PORT_UNREACHABLE.subarray(20));
  const q = m.quotedPacket();
  assert.equal(toHex(q), toHex(DNS_QUERY.subarray(0, 28)));
  assert.equal(q.buffer, PORT_UNREACHABLE.buffer);
  assert.equal(q.byteOffset, PORT_UNREACHABLE.byteOffset + 28);
});

test('IcmpView setters keep a recomputed checksum valid', () => {
  const m = new IcmpView(ECHO_REQUEST.slice(20));
  m.id = 0xbeef;
  m.seq = 2;
  assert.equal(m.verifyChecksum(), false);
  m.checksum = m.computeChecksum();
  assert.ok(m.verifyChecksum());
});

test('IcmpView.checked rejects a truncated header', () => {
  let got = '(no error)';
  try {
    IcmpView.checked(hex('08 00 54 35 12 34 00'));
  } catch (e) {
    assert.ok(e instanceof WireError);
    got = e.message;
  }
  assert.equal(got, 'icmp: truncated (7 < 8 bytes)', `got ${got}, want icmp: truncated (7 < 8 bytes)`);
});
