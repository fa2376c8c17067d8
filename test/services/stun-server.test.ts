// The STUN server on engine sockets: Binding answers, RFC 5780's CHANGE-REQUEST table (source and
// OTHER-ADDRESS), RESPONSE-PORT, PADDING, error responses (400, 420), and silence for what is malformed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../../src/engine/network.js';
import type { VSocket } from '../../src/engine/socket.js';
import { stunServers } from '../../src/services/stun-registry.js';
import {
  CHANGE_IP, CHANGE_PORT, changeRequestValue, encodeStun, parseStun, readErrorCode, readStunAddress, readUnknownAttributes, responsePortValue,
  STUN_METHOD_BINDING, StunAttr, type StunAttribute, type StunMessage,
} from '../../src/wire/stun.js';

const TID = Uint8Array.from({ length: 12 }, (_, i) => i + 1);

function setup(alt = true): { net: Network; client: VSocket; got: { msg: StunMessage; from: string; raw: Buffer }[]; other: VSocket; otherGot: Buffer[] } {
  const net = new Network({ clock: 'virtual', seed: 3 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addHost({ name: 'c', router: 'internet', ips: ['198.51.100.2'] });
  stunServers(net).add({ name: 'stun1', router: 'internet', ip: '198.51.100.10', ...(alt ? { altIp: '198.51.100.11' } : {}) });
  const client = net.host('c').udpBind(5000);
  const got: { msg: StunMessage; from: string; raw: Buffer }[] = [];
  client.on('message', (m: Buffer, r: { address: string; port: number }) => got.push({ msg: parseStun(m), from: `${r.address}:${r.port}`, raw: m }));
  const other = net.host('c').udpBind(6000);
  const otherGot: Buffer[] = [];
  other.on('message', (m: Buffer) => otherGot.push(m));
  return { net, client, got, other, otherGot };
}

function request(attributes: StunAttribute[] = [], method = STUN_METHOD_BINDING): Buffer {
  return encodeStun({ method, cls: 'request', transactionId: TID, attributes }, true);
}

test('Binding: XOR-MAPPED-ADDRESS and MAPPED-ADDRESS of the source, RESPONSE-ORIGIN, OTHER-ADDRESS, SOFTWARE, FINGERPRINT last', () => {
  const { net, client, got } = setup();
  client.send(request(), 3478, '198.51.100.10');
  net.runUntilIdle();
  assert.equal(got.length, 1);
  const m = got[0].msg;
  assert.equal(m.cls, 'success');
  assert.deepEqual([...m.transactionId], [...TID]);
  assert.deepEqual(readStunAddress(m, StunAttr.XOR_MAPPED_ADDRESS), { family: 'IPv4', address: '198.51.100.2', port: 5000 });
  assert.deepEqual(readStunAddress(m, StunAttr.MAPPED_ADDRESS), { family: 'IPv4', address: '198.51.100.2', port: 5000 });
  assert.deepEqual(readStunAddress(m, StunAttr.RESPONSE_ORIGIN), { family: 'IPv4', address: '198.51.100.10', port: 3478 });
  assert.deepEqual(readStunAddress(m, StunAttr.OTHER_ADDRESS), { family: 'IPv4', address: '198.51.100.11', port: 3479 });
  assert.ok(m.attributes.some((a) => a.type === StunAttr.SOFTWARE));
  assert.equal(m.attributes.at(-1)!.type, StunAttr.FINGERPRINT);
  assert.equal(stunServers(net).list()[0].answered, 1);
});

test('CHANGE-REQUEST: the answer comes from the address/port the RFC 5780 §6.1 table names; OTHER-ADDRESS is the other pair', () => {
  const rows: [string, number, string, string][] = [
    // received on, flags, answered from, OTHER-ADDRESS
    ['198.51.100.10:3478', 0, '198.51.100.10:3478', '198.51.100.11:3479'],
    ['198.51.100.10:3478', CHANGE_IP, '198.51.100.11:3478', '198.51.100.11:3479'],
    ['198.51.100.10:3478', CHANGE_PORT, '198.51.100.10:3479', '198.51.100.11:3479'],
    ['198.51.100.10:3478', CHANGE_IP | CHANGE_PORT, '198.51.100.11:3479', '198.51.100.11:3479'],
    ['198.51.100.11:3479', CHANGE_IP, '198.51.100.10:3479', '198.51.100.10:3478'],
    ['198.51.100.10:3479', CHANGE_PORT, '198.51.100.10:3478', '198.51.100.11:3478'],
  ];
  for (const [to, flags, from, other] of rows) {
    const { net, client, got } = setup();
    const [ip, port] = to.split(':');
    client.send(request(flags ? [{ type: StunAttr.CHANGE_REQUEST, value: changeRequestValue(flags) }] : []), Number(port), ip);
    net.runUntilIdle();
    assert.equal(got.length, 1, `${to} flags ${flags}`);
    assert.equal(got[0].from, from, `${to} flags ${flags}: answered from`);
    const origin = readStunAddress(got[0].msg, StunAttr.RESPONSE_ORIGIN)!;
    assert.equal(`${origin.address}:${origin.port}`, from, 'RESPONSE-ORIGIN says where it was sent from');
    const o = readStunAddress(got[0].msg, StunAttr.OTHER_ADDRESS)!;
    assert.equal(`${o.address}:${o.port}`, other, `${to} flags ${flags}: OTHER-ADDRESS`);
  }
});

test('RESPONSE-PORT sends the answer to that port of the source address; PADDING is echoed; both together get 400', () => {
  const { net, client, got, otherGot } = setup();
  client.send(request([{ type: StunAttr.RESPONSE_PORT, value: responsePortValue(6000) }]), 3478, '198.51.100.10');
  net.runUntilIdle();
  assert.equal(got.length, 0);
  assert.equal(otherGot.length, 1);
  assert.deepEqual(readStunAddress(parseStun(otherGot[0]), StunAttr.XOR_MAPPED_ADDRESS), { family: 'IPv4', address: '198.51.100.2', port: 5000 });

  client.send(request([{ type: StunAttr.PADDING, value: new Uint8Array(501) }]), 3478, '198.51.100.10');
  net.runUntilIdle();
  assert.equal(got.length, 1);
  const pad = got[0].msg.attributes.find((a) => a.type === StunAttr.PADDING)!;
  assert.equal(pad.value.length, 504, 'PADDING echoed, rounded to a multiple of 4');

  client.send(request([{ type: StunAttr.RESPONSE_PORT, value: responsePortValue(6000) }, { type: StunAttr.PADDING, value: new Uint8Array(8) }]), 3478, '198.51.100.10');
  net.runUntilIdle();
  assert.equal(got.length, 2);
  assert.equal(readErrorCode(got[1].msg)?.code, 400);
});

test('unknown comprehension-required attributes get 420 listing them; unknown optional ones are ignored; other methods get 400', () => {
  const { net, client, got } = setup();
  client.send(request([{ type: 0x7777, value: new Uint8Array(4) }, { type: 0x0002, value: new Uint8Array(8) }, { type: 0x8077, value: new Uint8Array(2) }]), 3478, '198.51.100.10');
  net.runUntilIdle();
  assert.equal(got[0].msg.cls, 'error');
  assert.deepEqual(readErrorCode(got[0].msg), { code: 420, reason: 'Unknown Attribute' });
  assert.deepEqual(readUnknownAttributes(got[0].msg), [0x7777, 0x0002]);
  client.send(request([{ type: 0x8077, value: new Uint8Array(2) }]), 3478, '198.51.100.10');
  client.send(request([], 0x003), 3478, '198.51.100.10');
  net.runUntilIdle();
  assert.equal(got[1].msg.cls, 'success');
  assert.equal(readErrorCode(got[2].msg)?.code, 400);
  assert.deepEqual(stunServers(net).list()[0], { ...stunServers(net).list()[0], answered: 1, errors: 2, ignored: 0 });
});

test('one address: no OTHER-ADDRESS or RESPONSE-ORIGIN, CHANGE-REQUEST gets 420 (RFC 5780 §6)', () => {
  const { net, client, got } = setup(false);
  assert.deepEqual(stunServers(net).list()[0].endpoints, ['198.51.100.10:3478']);
  client.send(request(), 3478, '198.51.100.10');
  client.send(request([{ type: StunAttr.CHANGE_REQUEST, value: changeRequestValue(CHANGE_PORT) }]), 3478, '198.51.100.10');
  net.runUntilIdle();
  assert.equal(readStunAddress(got[0].msg, StunAttr.OTHER_ADDRESS), undefined);
  assert.equal(readStunAddress(got[0].msg, StunAttr.RESPONSE_ORIGIN), undefined);
  assert.equal(readErrorCode(got[1].msg)?.code, 420);
  assert.deepEqual(readUnknownAttributes(got[1].msg), [StunAttr.CHANGE_REQUEST]);
});

test('malformed requests, indications and responses get no answer', () => {
  const { net, client, got } = setup();
  const bad = Buffer.from(request([{ type: StunAttr.CHANGE_REQUEST, value: new Uint8Array(3) }]));
  const wrongFp = Buffer.from(request());
  wrongFp[wrongFp.length - 1] ^= 1;
  const indication = encodeStun({ method: 1, cls: 'indication', transactionId: TID, attributes: [] });
  const response = encodeStun({ method: 1, cls: 'success', transactionId: TID, attributes: [] });
  const badPort = request([{ type: StunAttr.RESPONSE_PORT, value: new Uint8Array(4) }]);
  for (const b of [bad, wrongFp, indication, response, badPort, Buffer.from('hello'), Buffer.alloc(0)]) client.send(b, 3478, '198.51.100.10');
  net.runUntilIdle();
  assert.equal(got.length, 0);
  assert.equal(stunServers(net).list()[0].ignored, 7);
});

test('stun rm (and removing the host) stops the server; a taken name or address is refused with nothing left behind', () => {
  const { net } = setup();
  const reg = stunServers(net);
  assert.throws(() => reg.add({ name: 'stun2', router: 'internet', ip: '198.51.100.10' }), /198\.51\.100\.10/);
  assert.throws(() => reg.add({ name: 'stun2', router: 'internet', ip: '198.51.100.20', altIp: '198.51.100.20' }), /two different addresses/);
  assert.equal(net.has('stun2'), false);
  reg.remove('stun1');
  assert.equal(net.has('stun1'), false);
  assert.deepEqual(reg.list(), []);
  reg.add({ name: 'stun1', router: 'internet', ip: '198.51.100.10' });
  net.remove('stun1');
  assert.deepEqual(reg.list(), []);
  assert.throws(() => reg.remove('stun1'), /no STUN server named "stun1"/);
});
