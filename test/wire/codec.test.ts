// encodePacket/decodePacket: fixed packets round-trip byte for byte, checksums, errors, seeded random packets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket, encodeInto, encodePacket, verifyChecksums } from '../../src/wire/codec.js';
import { onesSum } from '../../src/wire/checksum.js';
import { WireError } from '../../src/wire/errors.js';
import { makeIcmp, makeUdp, PROTO_ICMP, PROTO_TCP, PROTO_UDP, type Packet } from '../../src/wire/packet.js';
import {
  DNS_QUERY, ECHO_REQUEST, hex, IGMP_WITH_OPTIONS, Lcg, PORT_UNREACHABLE, TCP_SYN, toHex, UDP_ZERO_SUM,
} from './vectors.js';

/** The packet's fields with byte arrays as hex, for comparisons and messages. */
function fields(p: Packet): Record<string, unknown> {
  return { ...p, options: p.options === null ? null : toHex(p.options), payload: toHex(p.payload) };
}

const base = {
  tos: 0, id: 0, df: false, frag: 0, options: null, srcPort: 0, dstPort: 0, icmpType: 0, icmpCode: 0, icmpId: 0, icmpSeq: 0,
};

const vectors: { name: string; bytes: Uint8Array; want: Packet }[] = [
  {
    name: 'UDP DNS query', bytes: DNS_QUERY,
    want: {
      ...base, src: 0xc0a80102, dst: 0x08080808, proto: PROTO_UDP, ttl: 64, id: 0x5c3a, df: true, srcPort: 53000, dstPort: 53,
      payload: DNS_QUERY.subarray(28),
    },
  },
  {
    name: 'UDP whose checksum computes to 0', bytes: UDP_ZERO_SUM,
    want: { ...base, src: 0x0a000001, dst: 0x0a000002, proto: PROTO_UDP, ttl: 64, id: 1, srcPort: 1000, dstPort: 2000, payload: hex('e0 1f') },
  },
  {
    name: 'TCP SYN (payload from the sequence number on)', bytes: TCP_SYN,
    want: {
      ...base, src: 0x0a000001, dst: 0x5db8d822, proto: PROTO_TCP, ttl: 64, id: 0xabcd, df: true, srcPort: 40000, dstPort: 80,
      payload: TCP_SYN.subarray(24),
    },
  },
  {
    name: 'ICMP echo request', bytes: ECHO_REQUEST,
    want: { ...base, src: 0x0a000001, dst: 0x0a000002, proto: PROTO_ICMP, ttl: 64, icmpType: 8, icmpId: 0x1234, icmpSeq: 1, payload: hex('61 62 63 64 65 66 67 68') },
  },
  {
    name: 'ICMP port unreachable', bytes: PORT_UNREACHABLE,
    want: {
      ...base, src: 0x08080808, dst: 0xc0a80102, proto: PROTO_ICMP, ttl: 57, id: 0x0101, icmpType: 3, icmpCode: 3,
      payload: DNS_QUERY.subarray(0, 28),
    },
  },
  {
    name: 'IGMP with options (opaque protocol)', bytes: IGMP_WITH_OPTIONS,
    want: { ...base, src: 0xc0a80102, dst: 0xe00000fb, proto: 2, ttl: 1, tos: 0xc0, options: hex('94 04 00 00'), payload: hex('16 00 fa 04 e0 00 00 fb') },
  },
];

test('decodePacket of fixed packets gives the expected fields, copy-free', () => {
  for (const v of vectors) {
    const p = decodePacket(v.bytes);
    assert.deepEqual(fields(p), fields(v.want), `${v.name}: got ${JSON.stringify(fields(p))}, want ${JSON.stringify(fields(v.want))}`);
    assert.equal(p.payload.buffer, v.bytes.buffer, `${v.name}: payload must be a subarray of the input`);
  }
});

test('encodePacket of the decoded fields gives identical bytes', () => {
  for (const v of vectors) {
    const got = toHex(encodePacket(v.want));
    assert.equal(got, toHex(v.bytes), `${v.name}: got ${got}, want ${toHex(v.bytes)}`);
  }
});

test('verifyChecksums is empty for the fixed packets', () => {
  for (const v of vectors) assert.deepEqual(verifyChecksums(v.bytes), [], `${v.name}`);
});

test('verifyChecksums names each bad checksum', () => {
  const flip = (b: Uint8Array, at: number): Uint8Array => {
    const c = b.slice();
    c[at] ^= 0x01;
    return c;
  };
  // Wanted checksums computed with a separate Python implementation.
  const cases = [
    { name: 'TTL changed, nothing recomputed', bytes: flip(DNS_QUERY, 8), want: ['ipv4: header checksum 0x0cc0, want 0x0bc0'] },
    { name: 'UDP data changed', bytes: flip(DNS_QUERY, 40), want: ['udp: checksum 0x7313, want 0x7413'] },
    { name: 'source address changed: both', bytes: flip(DNS_QUERY, 15), want: ['ipv4: header checksum 0x0cc0, want 0x0cbf', 'udp: checksum 0x7313, want 0x7312'] },
    { name: 'TCP window changed', bytes: flip(TCP_SYN, 35), want: ['tcp: checksum 0x581d, want 0x581c'] },
    { name: 'ICMP data changed', bytes: flip(ECHO_REQUEST, 35), want: ['icmp: checksum 0x5435, want 0x5434'] },
    { name: 'not IPv4', bytes: DNS_QUERY.subarray(0, 10), want: ['ipv4: truncated (10 < 20 bytes)'] },
    { name: 'UDP length garbled', bytes: flip(DNS_QUERY, 24), want: ['udp: length 293 exceeds the 37 bytes available'] },
  ];
  for (const c of cases) {
    const got = verifyChecksums(c.bytes);
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});

test('encodeInto writes at an offset and returns the length', () => {
  const p = decodePacket(DNS_QUERY);
  const buf = new Uint8Array(100).fill(0xee);
  const n = encodeInto(p, buf, 16);
  assert.equal(n, 57, `got ${n}, want 57`);
  assert.equal(toHex(buf.subarray(16, 73)), toHex(DNS_QUERY));
  assert.ok(buf.subarray(0, 16).every((b) => b === 0xee) && buf.subarray(73).every((b) => b === 0xee), 'bytes outside were written');
});

test('encodePacket fills in checksums whatever the payload carried', () => {
  // makeUdp builds the DNS query from its parts.
  const dns = { ...makeUdp(0xc0a80102, 53000, 0x08080808, 53, DNS_QUERY.slice(28)), id: 0x5c3a, df: true };
  assert.equal(toHex(encodePacket(dns)), toHex(DNS_QUERY));
  // A TCP payload with garbage where the checksum goes: the checksum is recomputed over the whole segment.
  const syn = decodePacket(TCP_SYN.slice());
  syn.payload[12] = 0xde;
  syn.payload[13] = 0xad;
  assert.equal(toHex(encodePacket(syn)), toHex(TCP_SYN));
  const echo = makeIcmp(0x0a000001, 0x0a000002, 8, 0, 0x1234, 1, hex('61 62 63 64 65 66 67 68'));
  assert.equal(toHex(encodePacket(echo)), toHex(ECHO_REQUEST));
});

test('encodePacket and decodePacket reject what they cannot represent', () => {
  const udp = makeUdp(1, 2, 3, 4, new Uint8Array(0));
  const shortUdp = hex('45 00 00 1b 00 00 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02 00 35 00 35 00 08 00');
  const cases: { name: string; run: () => unknown; want: string }[] = [
    { name: 'options not a multiple of 4', run: () => encodePacket({ ...udp, options: hex('01 01 01') }), want: 'ipv4: options length 3 is not a multiple of 4' },
    { name: 'options over 40 bytes', run: () => encodePacket({ ...udp, options: new Uint8Array(44) }), want: 'ipv4: options length 44 exceeds 40' },
    { name: 'over 65535 bytes', run: () => encodePacket({ ...udp, payload: new Uint8Array(65508) }), want: 'ipv4: packet length 65536 exceeds 65535' },
    { name: 'buffer too small', run: () => encodeInto(udp, new Uint8Array(40), 20), want: 'encode: packet length 28 exceeds the 20 bytes left in the buffer' },
    { name: 'UDP header cut short', run: () => decodePacket(shortUdp), want: 'udp: truncated (7 < 8 bytes)' },
    { name: 'TCP header cut short', run: () => decodePacket(hex('45 00 00 1c 00 00 00 00 40 06 00 00 0a 00 00 01 0a 00 00 02 00 50 00 50 00 00 00 00')), want: 'tcp: truncated (8 < 20 bytes)' },
  ];
  for (const c of cases) {
    let got = '(no error)';
    try {
      c.run();
    } catch (e) {
      assert.ok(e instanceof WireError, `${c.name}: got ${String(e)}, want a WireError`);
      got = e.message;
    }
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});

/** A random, representable packet. */
function randomPacket(rng: Lcg): Packet {
  const protos = [PROTO_UDP, PROTO_TCP, PROTO_ICMP, 47];
  const proto = protos[rng.below(protos.length)];
  const optLen = rng.below(4) === 0 ? 4 * (1 + rng.below(10)) : 0;
  const p: Packet = {
    src: rng.next(), dst: rng.next(), proto, ttl: rng.below(256), tos: rng.below(256), id: rng.below(0x10000),
    df: rng.below(2) === 1, frag: 0, options: optLen ? rng.bytes(optLen) : null, srcPort: 0, dstPort: 0,
    icmpType: 0, icmpCode: 0, icmpId: 0, icmpSeq: 0, payload: rng.bytes(rng.below(300)),
  };
  if (proto === PROTO_UDP || proto === PROTO_TCP) {
    p.srcPort = rng.below(0x10000);
    p.dstPort = rng.below(0x10000);
  }
  if (proto === PROTO_TCP) {
    // A valid header: data offset 5-15 words, then data.
    const doff = 5 + rng.below(11);
    const seg = rng.bytes(doff * 4 - 4 + rng.below(100));
    seg[8] = doff << 4;
    p.payload = seg;
  }
  if (proto === PROTO_ICMP) {
    p.icmpType = rng.below(256);
    p.icmpCode = rng.below(256);
    p.icmpId = rng.below(0x10000);
    p.icmpSeq = rng.below(0x10000);
  }
  return p;
}

test('random packets: encode verifies, decodes to the same fields and re-encodes identically (seeded)', () => {
  const rng = new Lcg(20240601);
  // Encode all first: results share pooled slabs, and a later encoding must not overwrite an earlier one.
  const encoded: [Packet, Uint8Array][] = [];
  for (let n = 0; n < 2000; n++) {
    const p = randomPacket(rng);
    encoded.push([p, encodePacket(p)]);
  }
  for (let n = 0; n < encoded.length; n++) {
    const [p, bytes] = encoded[n];
    const problems = verifyChecksums(bytes);
    assert.deepEqual(problems, [], `case ${n}: got ${JSON.stringify(problems)}, want none`);
    const q = decodePacket(bytes);
    if (p.proto === PROTO_TCP) {
      // The checksum in the payload is the encoder's; compare the rest.
      p.payload = p.payload.slice();
      p.payload[12] = q.payload[12];
      p.payload[13] = q.payload[13];
    }
    assert.deepEqual(fields(q), fields(p), `case ${n}: got ${JSON.stringify(fields(q))}, want ${JSON.stringify(fields(p))}`);
    const again = encodePacket(q);
    assert.equal(toHex(again), toHex(bytes), `case ${n}: re-encoding differs`);
  }
});

test('a UDP payload sum worked out before gives the same bytes as summing the payload again', () => {
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const lengths = [0, 1, 2, 3, 17, 100, 255, 256, 257, 1472];
  for (const n of lengths) {
    const data = Uint8Array.from({ length: n }, () => rand(256));
    const p = makeUdp(0xc0a80102 + rand(100), 1024 + rand(60000), 0xcb007102, 1 + rand(65000), data, 1 + rand(255));
    const plain = new Uint8Array(2000);
    const summed = new Uint8Array(2000);
    const a = encodeInto(p, plain, 3);
    const b = encodeInto(p, summed, 3, onesSum(data));
    assert.equal(b, a);
    assert.deepEqual(summed.subarray(3, 3 + b), plain.subarray(3, 3 + a), `payload of ${n} bytes`);
    assert.deepEqual(verifyChecksums(summed.subarray(3, 3 + b)), [], `checksums verify (${n} bytes)`);
  }
  // A datagram whose checksum computes to 0 is sent as 0xffff either way.
  // Pseudo-header 17 + 10, header 10, payload 0xffda: the folded sum is 0xffff, its complement 0.
  const zero = makeUdp(0, 0, 0, 0, new Uint8Array([0xff, 0xda]), 0);
  const bytes = new Uint8Array(64);
  const n = encodeInto(zero, bytes, 0, onesSum(zero.payload));
  assert.deepEqual([bytes[26], bytes[27]], [0xff, 0xff]);
  assert.deepEqual(bytes.subarray(0, n), encodePacket(zero));
});
