// readQuoted/rewriteQuoted: fields of quotes, NAT rewrites equal re-encoding the changed packet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readQuoted, rewriteQuoted, type QuotedChange } from '../../src/wire/quoted.js';
import { decodePacket, encodePacket } from '../../src/wire/codec.js';
import { WireError } from '../../src/wire/errors.js';
import { Ipv4View } from '../../src/wire/ipv4.js';
import { makeIcmp, PROTO_ICMP, PROTO_TCP, PROTO_UDP, type Packet } from '../../src/wire/packet.js';
import { DNS_QUERY, DNS_ZERO_SUM_PORT, ECHO_REQUEST, hex, IGMP_WITH_OPTIONS, Lcg, TCP_SYN, toHex } from './vectors.js';

test('readQuoted of fixed quotes', () => {
  const unreachQuote = hex('45 00 00 38 01 01 00 00 39 01 af 0a 08 08 08 08 c0 a8 01 02 03 03 ba 86 00 00 00 00');
  const v6 = DNS_QUERY.slice(0, 28);
  v6[0] = 0x65;
  const cases = [
    { name: 'UDP, 28 bytes', q: DNS_QUERY.subarray(0, 28), want: { src: 0xc0a80102, dst: 0x08080808, proto: PROTO_UDP, srcPort: 53000, dstPort: 53 } },
    { name: 'UDP, whole packet', q: DNS_QUERY, want: { src: 0xc0a80102, dst: 0x08080808, proto: PROTO_UDP, srcPort: 53000, dstPort: 53 } },
    { name: 'TCP, 28 bytes', q: TCP_SYN.subarray(0, 28), want: { src: 0x0a000001, dst: 0x5db8d822, proto: PROTO_TCP, srcPort: 40000, dstPort: 80 } },
    { name: 'ICMP echo', q: ECHO_REQUEST.subarray(0, 28), want: { src: 0x0a000001, dst: 0x0a000002, proto: PROTO_ICMP, srcPort: 0, dstPort: 0, icmpId: 0x1234 } },
    { name: 'ICMP error has no id', q: unreachQuote, want: { src: 0x08080808, dst: 0xc0a80102, proto: PROTO_ICMP, srcPort: 0, dstPort: 0 } },
    { name: 'options: 24-byte header + 8', q: IGMP_WITH_OPTIONS, want: { src: 0xc0a80102, dst: 0xe00000fb, proto: 2, srcPort: 0, dstPort: 0 } },
    { name: '27 bytes', q: DNS_QUERY.subarray(0, 27), want: null },
    { name: 'options leave fewer than 8 payload bytes', q: IGMP_WITH_OPTIONS.subarray(0, 31), want: null },
    { name: 'not IPv4', q: v6, want: null },
  ];
  for (const c of cases) {
    const got = readQuoted(c.q);
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});

test('rewriteQuoted rejects what readQuoted cannot read', () => {
  const cases = [
    { name: '27 bytes', q: DNS_QUERY.subarray(0, 27), want: 'quoted: truncated (27 < 28 bytes)' },
    { name: 'options', q: IGMP_WITH_OPTIONS.subarray(0, 31), want: 'quoted: truncated (31 < 32 bytes)' },
    { name: 'IHL 3', q: hex('43' + ' 00'.repeat(27)), want: 'quoted: IHL 3 below minimum 5' },
    { name: 'version 6', q: hex('60' + ' 00'.repeat(27)), want: 'quoted: version 6, want 4' },
  ];
  for (const c of cases) {
    let got = '(no error)';
    try {
      rewriteQuoted(c.q, { src: 1 });
    } catch (e) {
      assert.ok(e instanceof WireError, `${c.name}: got ${String(e)}, want a WireError`);
      got = e.message;
    }
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});

/** `p` with the change applied to its fields, as the NAT would have sent it. */
function changed(p: Packet, c: QuotedChange): Packet {
  const q = { ...p };
  if (c.src !== undefined) q.src = c.src;
  if (c.dst !== undefined) q.dst = c.dst;
  if (p.proto === PROTO_ICMP) {
    if (c.srcPort !== undefined) q.icmpId = c.srcPort;
    if (c.dstPort !== undefined) q.icmpId = c.dstPort;
  } else {
    if (c.srcPort !== undefined) q.srcPort = c.srcPort;
    if (c.dstPort !== undefined) q.dstPort = c.dstPort;
  }
  return q;
}

test('rewriteQuoted of fixed quotes equals the re-encoded changed packet', () => {
  const cases: { name: string; bytes: Uint8Array; quoteLength: number; change: QuotedChange }[] = [
    { name: 'UDP source (inbound error)', bytes: DNS_QUERY, quoteLength: 28, change: { src: 0x0a0a0a0a, srcPort: 4000 } },
    { name: 'UDP destination (outbound error)', bytes: DNS_QUERY, quoteLength: 57, change: { dst: 0xcb007101, dstPort: 62000 } },
    { name: 'UDP checksum comes out 0: sent as 0xffff', bytes: DNS_QUERY, quoteLength: 28, change: { srcPort: DNS_ZERO_SUM_PORT } },
    { name: 'TCP, checksum cut off', bytes: TCP_SYN, quoteLength: 28, change: { src: 0xc0a80002, srcPort: 1234 } },
    { name: 'TCP, checksum quoted', bytes: TCP_SYN, quoteLength: 44, change: { src: 0xc0a80002, srcPort: 1234, dst: 7, dstPort: 8 } },
    { name: 'ICMP echo id via srcPort', bytes: ECHO_REQUEST, quoteLength: 36, change: { src: 0xc0a80002, srcPort: 0x4321 } },
    { name: 'ICMP echo id via dstPort', bytes: ECHO_REQUEST, quoteLength: 28, change: { dst: 0xc0a80002, dstPort: 0 } },
    { name: 'no change', bytes: DNS_QUERY, quoteLength: 57, change: {} },
  ];
  for (const c of cases) {
    const input = c.bytes.slice(0, c.quoteLength);
    const before = toHex(input);
    const got = rewriteQuoted(input, c.change);
    assert.equal(toHex(input), before, `${c.name}: input was mutated`);
    assert.notEqual(got, input, `${c.name}: must return a new array`);
    const want = encodePacket(changed(decodePacket(c.bytes), c.change)).subarray(0, c.quoteLength);
    assert.equal(toHex(got), toHex(want), `${c.name}: got ${toHex(got)}, want ${toHex(want)}`);
  }
  const zero = rewriteQuoted(DNS_QUERY.subarray(0, 28), { srcPort: DNS_ZERO_SUM_PORT });
  assert.equal(toHex(zero.subarray(26, 28)), 'ff ff', 'a computed 0 must be carried as 0xffff');
});

test('rewriteQuoted leaves a UDP checksum of 0 (none) at 0', () => {
  const q = DNS_QUERY.slice(0, 28);
  q[26] = 0;
  q[27] = 0;
  const got = rewriteQuoted(q, { src: 0x01020304, srcPort: 9 });
  assert.equal(toHex(got.subarray(20, 28)), '00 09 00 35 00 25 00 00', `got ${toHex(got.subarray(20, 28))}`);
  assert.ok(new Ipv4View(got).verifyChecksum(), 'quoted IPv4 header checksum must verify');
});

test('rewriteQuoted keeps the ORIGINAL total length of a truncated quote', () => {
  const got = rewriteQuoted(DNS_QUERY.subarray(0, 28), { dst: 0x01010101 });
  assert.equal(toHex(got.subarray(2, 4)), '00 39', 'total length must stay 57');
});

test('rewriteQuoted equals re-encoding for random packets and changes (seeded)', () => {
  const rng = new Lcg(5508);
  for (let n = 0; n < 3000; n++) {
    const proto = [PROTO_UDP, PROTO_TCP, PROTO_ICMP][n % 3];
    const src = rng.next();
    const dst = rng.next();
    let p: Packet;
    if (proto === PROTO_ICMP) {
      p = makeIcmp(src, dst, rng.below(2) === 0 ? 8 : 0, 0, rng.below(0x10000), rng.below(0x10000), rng.bytes(rng.below(40)));
    } else {
      const payload = rng.bytes(proto === PROTO_TCP ? 16 + rng.below(40) : rng.below(40));
      if (proto === PROTO_TCP) payload[8] = 0x50;
      p = {
        src, dst, proto, ttl: rng.below(256), tos: 0, id: rng.below(0x10000), df: false, options: rng.below(3) === 0 ? rng.bytes(8) : null,
        srcPort: rng.below(0x10000), dstPort: rng.below(0x10000), icmpType: 0, icmpCode: 0, icmpId: 0, icmpSeq: 0, payload,
      };
    }
    const change: QuotedChange = {};
    if (rng.below(2)) change.src = rng.next();
    if (rng.below(2)) change.dst = rng.next();
    if (rng.below(2)) change.srcPort = rng.below(4) === 0 ? [0, 0xffff][rng.below(2)] : rng.below(0x10000);
    if (rng.below(2)) change.dstPort = rng.below(0x10000);
    const full = encodePacket(p);
    const hl = 20 + (p.options ? p.options.length : 0);
    let quoteLength = rng.below(2) === 0 ? full.length : Math.min(full.length, hl + 8 + rng.below(16));
    // A quote ending inside the TCP checksum keeps its stale half: no full checksum to update.
    if (proto === PROTO_TCP && quoteLength === hl + 17) quoteLength++;
    const got = rewriteQuoted(full.subarray(0, quoteLength), change);
    const want = encodePacket(changed(p, change)).subarray(0, quoteLength);
    assert.equal(toHex(got), toHex(want), `case ${n} (proto ${proto}, ${JSON.stringify(change)}): got ${toHex(got)}, want ${toHex(want)}`);
  }
});
