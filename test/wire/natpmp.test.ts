// NAT-PMP codec: the RFC 6886 layouts byte for byte, both ways, and what is refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpv4 } from '../../src/wire/addr.js';
import { WireError } from '../../src/wire/errors.js';
import {
  marshalNatPmp, parseNatPmp, probablyNatPmp, unsupportedOpcodeReply, describeNatPmp, type NatPmpMessage,
} from '../../src/wire/natpmp.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// Each message as RFC 6886 §3.2-3.5 lays it out (what libnatpmp sends and miniupnpd answers).
const CASES: [string, string, NatPmpMessage][] = [
  ['external address request (§3.2)', '00 00', { type: 'external-address-request' }],
  ['map UDP 5000, any port, 7200 s (§3.3)', '00 01 0000 1388 0000 00001c20',
    { type: 'map-request', protocol: 'udp', internalPort: 5000, suggestedExternalPort: 0, lifetime: 7200 }],
  ['map TCP 22 → 2222, delete', '00 02 0000 0016 08ae 00000000',
    { type: 'map-request', protocol: 'tcp', internalPort: 22, suggestedExternalPort: 2222, lifetime: 0 }],
  ['external address response 203.0.113.10, epoch 300', '00 80 0000 0000012c cb00710a',
    { type: 'external-address-response', result: 0, epoch: 300, externalAddress: parseIpv4('203.0.113.10') }],
  ['map UDP response 5000 → 40000, 3600 s', '00 81 0000 0000000a 1388 9c40 00000e10',
    { type: 'map-response', protocol: 'udp', result: 0, epoch: 10, internalPort: 5000, externalPort: 40000, lifetime: 3600 }],
  ['map TCP response refused', '00 82 0002 00000001 0016 0000 00000000',
    { type: 'map-response', protocol: 'tcp', result: 2, epoch: 1, internalPort: 22, externalPort: 0, lifetime: 0 }],
  ['unsupported version, short form (§3.5)', '00 80 0001 00000007', { type: 'error-response', op: 0x80, result: 1, epoch: 7 }],
];

describe('NAT-PMP codec', () => {
  for (const [name, bytes, msg] of CASES) {
    test(name, () => {
      assert.deepEqual(parseNatPmp(hex(bytes)), msg);
      assert.deepEqual(marshalNatPmp(msg), hex(bytes));
      assert.equal(probablyNatPmp(hex(bytes)), true);
      assert.equal(typeof describeNatPmp(msg), 'string');
    });
  }

  test('a short error response to a map request parses as error-response', () => {
    assert.deepEqual(parseNatPmp(hex('00 81 0004 00000009')), { type: 'error-response', op: 0x81, result: 4, epoch: 9 });
  });

  test('refused: truncated, another version, unknown request opcode, a successful response cut short', () => {
    for (const bad of ['', '00', '00 01 0000 1388', '01 00', '02 00', '00 03', '00 7f', '00 80 0000 00000001', '00 81 0000 00000001 1388']) {
      assert.throws(() => parseNatPmp(hex(bad)), WireError, bad);
    }
  });

  test('unsupported opcode: the request back with the top bit set and result 5 (§3.5)', () => {
    assert.deepEqual(unsupportedOpcodeReply(hex('00 03 0000 1234')), hex('00 83 0005 1234'));
    assert.deepEqual(unsupportedOpcodeReply(hex('00 05')), hex('00 85 0005'));
  });

  test('the discriminator: exact lengths only, other versions never', () => {
    for (const no of ['00', '00 00 00', '00 01 0000', '02 00', '00 80 0000', '00 83 0000 00000000', '01 00', 'ff ff']) assert.equal(probablyNatPmp(hex(no)), false, no);
  });

  test('marshal refuses fields out of range', () => {
    assert.throws(() => marshalNatPmp({ type: 'map-request', protocol: 'udp', internalPort: 70000, suggestedExternalPort: 0, lifetime: 1 }), WireError);
    assert.throws(() => marshalNatPmp({ type: 'map-request', protocol: 'sctp' as 'udp', internalPort: 1, suggestedExternalPort: 0, lifetime: 1 }), WireError);
    assert.throws(() => marshalNatPmp({ type: 'error-response', op: 3, result: 1, epoch: 0 }), WireError);
    assert.throws(() => marshalNatPmp({ type: 'map-response', protocol: 'udp', result: 0, epoch: -1, internalPort: 1, externalPort: 1, lifetime: 1 }), WireError);
  });
});
