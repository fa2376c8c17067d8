// PCP codec: RFC 6887's headers, MAP, PEER, ANNOUNCE and options byte for byte, both ways.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpv4 } from '../../src/wire/addr.js';
import { WireError } from '../../src/wire/errors.js';
import {
  describePcp, formatPcpAddress, ipv4Mapped, isUnspecified, mappedIpv4, marshalPcp, parsePcp, probablyPcp, pcpResultName, type PcpMessage,
} from '../../src/wire/pcp.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const V4 = (ip: string): string => `00000000000000000000ffff${Buffer.from(ipv4Mapped(parseIpv4(ip)).subarray(12)).toString('hex')}`;
const NONCE = '0102030405060708090a0b0c';
const nonce = hex(NONCE);

const CASES: [string, string, PcpMessage][] = [
  ['ANNOUNCE request (§14.1)', `02 00 0000 00000000 ${V4('192.168.1.2')}`,
    { type: 'pcp-request', version: 2, opcode: 0, lifetime: 0, clientAddress: ipv4Mapped(parseIpv4('192.168.1.2')), options: [] }],
  ['unsolicited ANNOUNCE response, epoch 0', `02 80 00 00 00000000 00000000 ${'00'.repeat(12)}`,
    { type: 'pcp-response', version: 2, opcode: 0, result: 0, lifetime: 0, epoch: 0, options: [] }],
  ['MAP request UDP 5000, any external (§11.1)',
    `02 01 0000 00001c20 ${V4('192.168.1.2')} ${NONCE} 11 000000 1388 0000 ${V4('0.0.0.0')}`,
    { type: 'pcp-request', version: 2, opcode: 1, lifetime: 7200, clientAddress: ipv4Mapped(parseIpv4('192.168.1.2')), options: [],
      map: { nonce, protocol: 17, internalPort: 5000, externalPort: 0, externalAddress: ipv4Mapped(0) } }],
  ['MAP response assigned 203.0.113.10:40000',
    `02 81 00 00 00000e10 0000002a ${'00'.repeat(12)} ${NONCE} 11 000000 1388 9c40 ${V4('203.0.113.10')}`,
    { type: 'pcp-response', version: 2, opcode: 1, result: 0, lifetime: 3600, epoch: 42, options: [],
      map: { nonce, protocol: 17, internalPort: 5000, externalPort: 40000, externalAddress: ipv4Mapped(parseIpv4('203.0.113.10')) } }],
  ['PEER request TCP with THIRD_PARTY, PREFER_FAILURE and an unknown optional option (§12.1, §13)',
    `02 02 0000 00000078 ${V4('192.168.1.2')} ${NONCE} 06 000000 0050 1f90 ${V4('0.0.0.0')} 01bb 0000 ${V4('198.51.100.7')}` +
    ` 01 00 0010 ${V4('192.168.1.3')} 02 00 0000 80 00 0003 aabbcc00`,
    { type: 'pcp-request', version: 2, opcode: 2, lifetime: 120, clientAddress: ipv4Mapped(parseIpv4('192.168.1.2')),
      peer: { nonce, protocol: 6, internalPort: 80, externalPort: 8080, externalAddress: ipv4Mapped(0), remotePort: 443, remoteAddress: ipv4Mapped(parseIpv4('198.51.100.7')) },
      options: [{ type: 'third-party', address: ipv4Mapped(parseIpv4('192.168.1.3')) }, { type: 'prefer-failure' }, { type: 'unknown', code: 0x80, data: hex('aabbcc') }] }],
  ['MAP with FILTER (§13.3)',
    `02 01 0000 0000003c ${V4('192.168.1.2')} ${NONCE} 11 000000 1388 0000 ${V4('0.0.0.0')} 03 00 0014 00 80 0d96 ${V4('198.51.100.7')}`,
    { type: 'pcp-request', version: 2, opcode: 1, lifetime: 60, clientAddress: ipv4Mapped(parseIpv4('192.168.1.2')),
      map: { nonce, protocol: 17, internalPort: 5000, externalPort: 0, externalAddress: ipv4Mapped(0) },
      options: [{ type: 'filter', prefixLength: 128, remotePort: 3478, remoteAddress: ipv4Mapped(parseIpv4('198.51.100.7')) }] }],
  ['UNSUPP_VERSION for a MAP: the header alone (§9)', `02 81 00 01 00000000 00000005 ${'00'.repeat(12)}`,
    { type: 'pcp-response', version: 2, opcode: 1, result: 1, lifetime: 0, epoch: 5, options: [] }],
  ['unknown opcode keeps its data', `02 05 0000 00000000 ${V4('10.0.0.2')} deadbeef`,
    { type: 'pcp-request', version: 2, opcode: 5, lifetime: 0, clientAddress: ipv4Mapped(parseIpv4('10.0.0.2')), data: hex('deadbeef'), options: [] }],
];

describe('PCP codec', () => {
  for (const [name, bytes, msg] of CASES) {
    test(name, () => {
      assert.deepEqual(parsePcp(hex(bytes)), msg);
      assert.deepEqual(marshalPcp(msg), hex(bytes));
      assert.equal(probablyPcp(hex(bytes)), msg.opcode <= 2);
      assert.equal(typeof describePcp(msg), 'string');
    });
  }

  test('refused: short, long, not a multiple of 4, another version, MAP cut short, options that overrun or have the wrong length', () => {
    const header = `02 01 0000 00001c20 ${V4('192.168.1.2')}`;
    const map = `${NONCE} 11 000000 1388 0000 ${V4('0.0.0.0')}`;
    const bad = [
      '02 00', `02 00 0000 00000000 ${'00'.repeat(15)}`, '02' + '00'.repeat(1103), `${header} ${map} 00`.padEnd(0),
      `03 00 0000 00000000 ${V4('1.2.3.4')}`, `01 00 0000 00000000 ${V4('1.2.3.4')}`, `${header} ${NONCE} 11 000000`,
      `${header} ${map} 01 00 0010 00000000`, `${header} ${map} 01 00 000c ${'00'.repeat(12)}`, `${header} ${map} 02 00 0004 00000000`,
    ];
    for (const b of bad) assert.throws(() => parsePcp(hex(b)), WireError, b);
  });

  test('addresses: IPv4-mapped both ways, unspecified ones, text', () => {
    const a = ipv4Mapped(parseIpv4('203.0.113.10'));
    assert.equal(mappedIpv4(a), parseIpv4('203.0.113.10'));
    assert.equal(formatPcpAddress(a), '203.0.113.10');
    assert.equal(mappedIpv4(new Uint8Array(16)), undefined);
    assert.equal(isUnspecified(new Uint8Array(16)), true);
    assert.equal(isUnspecified(ipv4Mapped(0)), true);
    assert.equal(isUnspecified(a), false);
    assert.equal(formatPcpAddress(hex('20010db8000000000000000000000001')), '2001:db8:0:0:0:0:0:1');
    assert.equal(pcpResultName(1), 'UNSUPP_VERSION');
  });

  test('the discriminator', () => {
    assert.equal(probablyPcp(hex(`02 81 00 00 ${'00'.repeat(20)}`)), true);
    for (const no of ['02 00', `00 00 ${'00'.repeat(22)}`, `02 03 ${'00'.repeat(22)}`, `02 00 ${'00'.repeat(23)}`]) assert.equal(probablyPcp(hex(no)), false, no);
  });

  test('marshal refuses a bad nonce, a missing payload, oversize', () => {
    const req = CASES[2][2] as PcpMessage & { map: { nonce: Uint8Array } };
    assert.throws(() => marshalPcp({ ...req, map: { ...req.map, nonce: new Uint8Array(4) } }), WireError);
    assert.throws(() => marshalPcp({ ...req, map: undefined }), WireError);
    assert.throws(() => marshalPcp({ ...req, options: [{ type: 'unknown', code: 200, data: new Uint8Array(1100) }] }), WireError);
  });
});
