// Fuzz: the wire decoders on mutated packets and random bytes may throw WireError and nothing else;
// views that parse answer every getter and toString without throwing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket, encodePacket, verifyChecksums } from '../../src/wire/codec.js';
import { WireError } from '../../src/wire/errors.js';
import { EthernetView } from '../../src/wire/ethernet.js';
import { IcmpView } from '../../src/wire/icmp.js';
import { Ipv4View } from '../../src/wire/ipv4.js';
import { makeIcmp, makeUdp } from '../../src/wire/packet.js';
import { readQuoted, rewriteQuoted } from '../../src/wire/quoted.js';
import { TcpView } from '../../src/wire/tcp.js';
import { UdpView } from '../../src/wire/udp.js';
import { DNS_QUERY, ECHO_REQUEST, IGMP_WITH_OPTIONS, PORT_UNREACHABLE, TCP_SYN, UDP_ZERO_SUM } from '../wire/vectors.js';
import { Fuzz, fuzzCases, fuzzSeed, hexOf, onlyThrows } from './mutate.js';

const CASES = fuzzCases(2000, 0.4);

/** Reads every getter of a view (what printing or forwarding one would do). */
function touch(view: object): void {
  let proto = Object.getPrototypeOf(view) as object | null;
  while (proto !== null && proto !== Object.prototype) {
    for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (d.get) void (view as Record<string, unknown>)[key];
      else if (key === 'toString' || key === 'computeChecksum' || key === 'verifyChecksum') (view as Record<string, (...a: unknown[]) => unknown>)[key](0x0a000001, 0x0a000002);
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
}

function seeds(f: Fuzz): Uint8Array[] {
  const eth = new Uint8Array(14 + 8 + DNS_QUERY.length);
  eth.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x81, 0x00, 0x00, 0x64, 0x88, 0xa8, 0x00, 0x2a, 0x08, 0x00]);
  eth.set(DNS_QUERY, 22);
  return [
    DNS_QUERY, ECHO_REQUEST, IGMP_WITH_OPTIONS, PORT_UNREACHABLE, TCP_SYN, UDP_ZERO_SUM, eth,
    encodePacket(makeUdp(0xc0a80114, 5000, 0xc6336407, 7000, f.bytes(f.int(64)))),
    encodePacket(makeIcmp(0xc0a80114, 0xc6336407, 3, 3, 0, 0, PORT_UNREACHABLE.subarray(0, 28))),
  ];
}

test(`fuzz wire decoders: ${CASES} mutated packets raise WireError or nothing`, () => {
  const f = new Fuzz(fuzzSeed('wire-decoders'));
  const base = seeds(f);
  let rejected = 0;
  for (let i = 0; i < CASES; i++) {
    const input = f.chance(0.1) ? f.bytes(f.int(80)) : f.mutate(f.pick(base));
    const hex = hexOf(input);
    const views: [string, (b: Uint8Array) => object][] = [
      ['EthernetView', (b) => EthernetView.checked(b)], ['Ipv4View', (b) => Ipv4View.checked(b)], ['UdpView', (b) => UdpView.checked(b)],
      ['TcpView', (b) => TcpView.checked(b)], ['IcmpView', (b) => IcmpView.checked(b)],
    ];
    for (const [name, parse] of views) {
      if (onlyThrows(WireError, `case ${i} ${name}`, hex, () => touch(parse(input)))) rejected++;
    }
    if (!onlyThrows(WireError, `case ${i} decodePacket`, hex, () => decodePacket(input))) {
      // What decodes encodes again.
      onlyThrows(WireError, `case ${i} encodePacket(decodePacket)`, hex, () => encodePacket(decodePacket(input)));
    }
    onlyThrows(WireError, `case ${i} verifyChecksums`, hex, () => assert.ok(Array.isArray(verifyChecksums(input))));
    onlyThrows(WireError, `case ${i} readQuoted`, hex, () => readQuoted(input));
    onlyThrows(WireError, `case ${i} rewriteQuoted`, hex, () => rewriteQuoted(input, { src: 0x01020304, srcPort: 9 }));
  }
  assert.ok(rejected > 0, 'some inputs are rejected (the mutations reach the checks)');
});
