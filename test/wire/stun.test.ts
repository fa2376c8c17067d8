// STUN codec: RFC 5769's sample response and the spec's worked example parsed and rebuilt byte for
// byte, the RFC 5780 attributes both ways, and each malformation refused with a WireError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpv4 } from '../../src/wire/addr.js';
import { WireError } from '../../src/wire/errors.js';
import {
  addressValue, CHANGE_IP, CHANGE_PORT, changeRequestValue, crc32, encodeStun, errorCodeValue, looksLikeStun, parseStun, readChangeRequest,
  readErrorCode, readResponsePort, readStunAddress, readUnknownAttributes, responsePortValue, STUN_METHOD_BINDING, StunAttr, stunType,
  textValue, unknownAttributesValue, xorAddressValue,
} from '../../src/wire/stun.js';
import { hex, toHex } from './vectors.js';

/** RFC 5769 §2.2 sample IPv4 response: SOFTWARE "test vector " (padding byte 0x20), XOR-MAPPED-ADDRESS 192.0.2.1:32853, MESSAGE-INTEGRITY, FINGERPRINT. */
const RFC5769_RESPONSE = hex(`
  0101003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200008 0001a147 e112a643
  00080014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  80280004 c07d4c96`);

const TID = hex('b7e7a701 bc34d686 fa87dfae');

test('message types interleave method and class bits (RFC 8489 §5)', () => {
  const cases: [Parameters<typeof stunType>[1], number][] = [['request', 0x0001], ['indication', 0x0011], ['success', 0x0101], ['error', 0x0111]];
  for (const [cls, want] of cases) assert.equal(stunType(STUN_METHOD_BINDING, cls), want, cls);
  assert.equal(stunType(0xfff, 'error'), 0x3fff);
});

test('RFC 5769 sample response: parsed, FINGERPRINT checked over the bytes as sent (non-zero padding included)', () => {
  assert.ok(looksLikeStun(RFC5769_RESPONSE));
  const m = parseStun(RFC5769_RESPONSE);
  assert.equal(m.cls, 'success');
  assert.equal(m.method, STUN_METHOD_BINDING);
  assert.deepEqual([...m.transactionId], [...TID]);
  assert.deepEqual(m.attributes.map((a) => a.type), [StunAttr.SOFTWARE, StunAttr.XOR_MAPPED_ADDRESS, StunAttr.MESSAGE_INTEGRITY, StunAttr.FINGERPRINT]);
  assert.deepEqual(readStunAddress(m, StunAttr.XOR_MAPPED_ADDRESS), { family: 'IPv4', address: '192.0.2.1', port: 32853 });
  assert.equal(Buffer.from(m.attributes[0].value).toString(), 'test vector');
});

test('the spec\'s minimal exchange encodes byte for byte', () => {
  const req = encodeStun({ method: STUN_METHOD_BINDING, cls: 'request', transactionId: TID, attributes: [] });
  assert.equal(toHex(req), toHex(hex(`00010000 2112a442 ${toHex(TID)}`)));
  const res = encodeStun({ method: STUN_METHOD_BINDING, cls: 'success', transactionId: TID, attributes: [
    { type: StunAttr.XOR_MAPPED_ADDRESS, value: xorAddressValue(parseIpv4('192.0.2.1'), 32853) },
  ] });
  assert.equal(toHex(res), toHex(hex(`0101000c 2112a442 ${toHex(TID)} 00200008 0001a147 e112a643`)));
});

test('encode → parse round trip of every attribute vnet writes, with FINGERPRINT', () => {
  const b = encodeStun({ method: STUN_METHOD_BINDING, cls: 'error', transactionId: TID, attributes: [
    { type: StunAttr.MAPPED_ADDRESS, value: addressValue(parseIpv4('10.1.2.3'), 4000) },
    { type: StunAttr.RESPONSE_ORIGIN, value: addressValue(parseIpv4('198.51.100.11'), 3479) },
    { type: StunAttr.OTHER_ADDRESS, value: addressValue(parseIpv4('198.51.100.11'), 3479) },
    { type: StunAttr.CHANGE_REQUEST, value: changeRequestValue(CHANGE_IP | CHANGE_PORT) },
    { type: StunAttr.RESPONSE_PORT, value: responsePortValue(40000) },
    { type: StunAttr.ERROR_CODE, value: errorCodeValue(420, 'Unknown Attribute') },
    { type: StunAttr.UNKNOWN_ATTRIBUTES, value: unknownAttributesValue([0x0002, 0x7fff, 0x0004]) },
    { type: StunAttr.SOFTWARE, value: textValue('vnet') },
  ] }, true);
  assert.equal(b.length % 4, 0);
  const m = parseStun(b);
  assert.equal(m.cls, 'error');
  assert.deepEqual(readStunAddress(m, StunAttr.MAPPED_ADDRESS), { family: 'IPv4', address: '10.1.2.3', port: 4000 });
  assert.deepEqual(readStunAddress(m, StunAttr.OTHER_ADDRESS), { family: 'IPv4', address: '198.51.100.11', port: 3479 });
  assert.equal(readChangeRequest(m), CHANGE_IP | CHANGE_PORT);
  assert.equal(readResponsePort(m), 40000);
  assert.deepEqual(readErrorCode(m), { code: 420, reason: 'Unknown Attribute' });
  assert.deepEqual(readUnknownAttributes(m), [0x0002, 0x7fff, 0x0004]);
  assert.equal(m.attributes.at(-1)!.type, StunAttr.FINGERPRINT);
  // The CRC-32 is zlib's.
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
});

test('IPv6 XOR-MAPPED-ADDRESS is read with the transaction ID in the mask (RFC 5769 §2.3 address)', () => {
  // 2001:db8:1234:5678:11:2233:4455:6677 port 32853, XOR'd with cookie ‖ transaction ID.
  const plain = hex('20010db8 12345678 00112233 44556677');
  const mask = new Uint8Array([0x21, 0x12, 0xa4, 0x42, ...TID]);
  const v = new Uint8Array(20);
  v.set([0, 2, 0xa1, 0x47]);
  for (let i = 0; i < 16; i++) v[4 + i] = plain[i] ^ mask[i];
  const m = parseStun(encodeStun({ method: 1, cls: 'success', transactionId: TID, attributes: [{ type: StunAttr.XOR_MAPPED_ADDRESS, value: v }] }));
  assert.deepEqual(readStunAddress(m, StunAttr.XOR_MAPPED_ADDRESS), { family: 'IPv6', address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
});

test('malformed messages are refused with a WireError naming the fact', () => {
  const ok = encodeStun({ method: 1, cls: 'request', transactionId: TID, attributes: [{ type: StunAttr.SOFTWARE, value: textValue('abc') }] }, true);
  const bad = (name: string, b: Uint8Array, fact: RegExp): void => {
    assert.throws(() => parseStun(b), (e: unknown) => e instanceof WireError && fact.test(e.message), name);
  };
  bad('truncated header', ok.subarray(0, 19), /truncated \(19 < 20/);
  bad('top bits', Uint8Array.from(ok, (x, i) => (i === 0 ? 0xc0 : x)), /first two bits/);
  bad('cookie', Uint8Array.from(ok, (x, i) => (i === 4 ? 0x22 : x)), /magic cookie/);
  bad('length not /4', Uint8Array.from(ok, (x, i) => (i === 3 ? x - 2 : x)), /not a multiple of 4/);
  bad('trailing bytes', Buffer.concat([ok, Buffer.alloc(4)]), /does not match the 40 bytes/);
  bad('fingerprint wrong', Uint8Array.from(ok, (x, i) => (i === ok.length - 1 ? x ^ 1 : x)), /FINGERPRINT .* does not match/);
  const overrun = Buffer.from(ok);
  overrun.writeUInt16BE(40, 22);
  bad('attribute past the end', overrun, /past the message end/);
  const afterFp = encodeStun({ method: 1, cls: 'request', transactionId: TID, attributes: [{ type: StunAttr.FINGERPRINT, value: new Uint8Array(4) }, { type: StunAttr.SOFTWARE, value: new Uint8Array(4) }] });
  bad('fingerprint not last', afterFp, /FINGERPRINT/);
  const family3 = parseStun(encodeStun({ method: 1, cls: 'success', transactionId: TID, attributes: [{ type: StunAttr.MAPPED_ADDRESS, value: hex('00030001 01020304') }] }));
  assert.throws(() => readStunAddress(family3, StunAttr.MAPPED_ADDRESS), WireError);
  const port0 = parseStun(encodeStun({ method: 1, cls: 'request', transactionId: TID, attributes: [{ type: StunAttr.RESPONSE_PORT, value: hex('00000000') }] }));
  assert.throws(() => readResponsePort(port0), /RESPONSE-PORT is 0/);
  const cr3 = parseStun(encodeStun({ method: 1, cls: 'request', transactionId: TID, attributes: [{ type: StunAttr.CHANGE_REQUEST, value: hex('000006') }] }));
  assert.throws(() => readChangeRequest(cr3), /CHANGE-REQUEST has 3 bytes/);
  assert.equal(looksLikeStun(hex('00010000')), false);
});
