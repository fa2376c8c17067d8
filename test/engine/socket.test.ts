// The dgram-shaped socket API: binding, sending, errors with node's codes,
// connected sockets, receive buffers, port unreachable, names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../../src/engine/network.js';
import { collect } from '../helpers.js';
import { EPHEMERAL_HIGH, EPHEMERAL_LOW, type IcmpNotice } from '../../src/engine/socket.js';
import { VnetError } from '../../src/engine/errors.js';

function lan(): Network {
  const net = new Network({ clock: 'virtual' });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addHost({ name: 'a', router: 'internet', ips: ['198.51.100.1'] });
  net.addHost({ name: 'b', router: 'internet', ips: ['198.51.100.2', '198.51.100.22'] });
  return net;
}

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as VnetError).code;
  }
  return undefined;
}

test('send and receive with rinfo like node:dgram', () => {
  const net = lan();
  const b = net.host('b').createSocket('udp4');
  const got: unknown[] = [];
  b.on('message', (msg: Buffer, rinfo) => got.push([msg.toString(), rinfo]));
  b.bind(7000);
  const a = net.host('a').createSocket('udp4');
  a.send('hi', 7000, '198.51.100.2');
  net.runUntilIdle();
  assert.equal(got.length, 1);
  const [text, rinfo] = got[0] as [string, { address: string; port: number; family: string; size: number }];
  assert.equal(text, 'hi');
  assert.equal(rinfo.address, '198.51.100.1');
  assert.equal(rinfo.family, 'IPv4');
  assert.equal(rinfo.size, 2);
  assert.ok(rinfo.port >= EPHEMERAL_LOW && rinfo.port <= EPHEMERAL_HIGH, `ephemeral port ${rinfo.port}`);
  assert.deepEqual(a.address(), { address: '0.0.0.0', family: 'IPv4', port: rinfo.port });
});

test('the sender may reuse its buffer after send: data is copied', () => {
  const net = lan();
  const got = collect(net.host('b').udpBind(7000), net);
  const a = net.host('a').udpBind(0);
  const buf = Buffer.from('first');
  a.send(buf, 7000, '198.51.100.2');
  buf.write('XXXXX');
  net.runUntilIdle();
  assert.equal(got[0].data, 'first');
});

test('offset and length select part of the buffer; callbacks get the byte count', () => {
  const net = lan();
  const got = collect(net.host('b').udpBind(7000), net);
  const a = net.host('a').udpBind(0);
  let sent = -1;
  a.send(Buffer.from('0123456789'), 2, 3, 7000, '198.51.100.2', (err, n) => { assert.equal(err, null); sent = n!; });
  net.runUntilIdle();
  assert.equal(got[0].data, '234');
  assert.equal(sent, 3);
});

test('errors carry node\'s codes', () => {
  const net = lan();
  const b = net.host('b');
  b.udpBind(7000);
  assert.equal(errorCode(() => b.udpBind(7000)), 'EADDRINUSE');
  assert.equal(errorCode(() => b.udpBind(7001, '198.51.100.1')), 'EADDRNOTAVAIL');
  assert.equal(errorCode(() => b.udpBind(70000)), 'ERR_SOCKET_BAD_PORT');
  const s = b.udpBind(7002);
  assert.equal(errorCode(() => s.bindNow(7003)), 'ERR_SOCKET_ALREADY_BOUND');
  s.close();
  assert.equal(s.sendBytes(Buffer.from('x'), 1, '198.51.100.1')?.code, 'ERR_SOCKET_DGRAM_NOT_RUNNING');
  assert.equal(errorCode(() => s.close()), 'ERR_SOCKET_DGRAM_NOT_RUNNING');
  const t = b.udpBind(0);
  t.setMtuDiscover('do');
  assert.equal(t.sendBytes(Buffer.alloc(1473), 9, '198.51.100.1')?.code, 'EMSGSIZE', '1473 + 28 > 1500 with IP_PMTUDISC_DO');
  assert.equal(t.sendBytes(Buffer.alloc(1472), 9, '198.51.100.1'), null);
  assert.equal(t.sendBytes(Buffer.from('x'), 9, 'nowhere.example')?.code, 'ENOTFOUND');
});

test('bind errors are emitted as \'error\' events when using the node-style bind', () => {
  const net = lan();
  net.host('b').udpBind(7000);
  const s = net.host('b').createSocket('udp4');
  const errors: string[] = [];
  s.on('error', (e: VnetError) => errors.push(e.code));
  s.bind(7000);
  net.runUntilIdle();
  assert.deepEqual(errors, ['EADDRINUSE']);
});

test('a socket bound to one address does not take datagrams for another; the wildcard does', () => {
  const net = lan();
  const b = net.host('b');
  const specific = collect(b.udpBind(7000, '198.51.100.22'), net);
  const a = net.host('a').udpBind(0);
  a.send('to-22', 7000, '198.51.100.22');
  a.send('to-2', 7000, '198.51.100.2');
  net.runUntilIdle();
  assert.deepEqual(specific.map((r) => r.data), ['to-22']);
  assert.equal(net.iface('b/eth0').stats.drops.get('port-unreachable'), 1);
});

test('closed port answers ICMP port unreachable; turned off, it is silent', () => {
  const net = lan();
  const a = net.host('a').udpBind(0);
  const notices: IcmpNotice[] = [];
  a.on('icmp', (n: IcmpNotice) => notices.push(n));
  a.send('x', 9, '198.51.100.2');
  net.runUntilIdle();
  assert.equal(notices.length, 1);
  net.host('b').portUnreachable = false;
  a.send('y', 9, '198.51.100.2');
  net.runUntilIdle();
  assert.equal(notices.length, 1);
  assert.equal(net.iface('b/eth0').stats.drops.get('port-unreachable'), 2);
});

test('connected sockets send without an address and accept only their peer', () => {
  const net = lan();
  const b = net.host('b').udpBind(7000);
  const atB = collect(b, net);
  const a = net.host('a').createSocket('udp4');
  const atA = collect(a, net);
  a.connect(7000, '198.51.100.2');
  a.send('via connect');
  net.runUntilIdle();
  assert.deepEqual(atB.map((r) => r.data), ['via connect']);
  assert.deepEqual(a.remoteAddress(), { address: '198.51.100.2', family: 'IPv4', port: 7000 });
  const port = a.address().port;
  b.send('from peer', port, '198.51.100.1');
  net.host('b').udpBind(7001).send('from stranger', port, '198.51.100.1');
  net.runUntilIdle();
  assert.deepEqual(atA.map((r) => r.data), ['from peer']);
  assert.equal(a.sendBytes(Buffer.from('x'), 7000, '198.51.100.2')?.code, 'ERR_SOCKET_DGRAM_IS_CONNECTED');
});

test('the receive buffer is bounded; overflow is dropped and counted', () => {
  const net = lan();
  const b = net.host('b').udpBind(7000);
  b.setRecvBufferSize(1000);
  const got = collect(b, net);
  const a = net.host('a').udpBind(0);
  for (let i = 0; i < 20; i++) a.send(Buffer.alloc(100), 7000, '198.51.100.2');
  net.runUntilIdle();
  assert.equal(got.length, 10);
  assert.equal(b.drops, 10);
  assert.equal(net.iface('b/eth0').stats.drops.get('rcvbuf-full'), 10);
});

test('loopback and the host\'s own address stay on the host', () => {
  const net = lan();
  const b = net.host('b');
  const got = collect(b.udpBind(7000), net);
  const s = b.udpBind(0);
  s.send('lo', 7000, '127.0.0.1');
  s.send('self', 7000, '198.51.100.22');
  s.send('name', 7000, 'localhost');
  net.runUntilIdle();
  assert.deepEqual(got.map((r) => `${r.data} ${r.from}`), ['lo 127.0.0.1', 'self 198.51.100.2', 'name 127.0.0.1']);
  assert.equal(net.iface('b/eth0').stats.txPackets, 0);
});

test('ephemeral ports come from 49152-65535 and do not collide', () => {
  const net = lan();
  const a = net.host('a');
  const ports = new Set<number>();
  for (let i = 0; i < 500; i++) ports.add(a.udpBind(0).address().port);
  assert.equal(ports.size, 500);
  for (const p of ports) assert.ok(p >= EPHEMERAL_LOW && p <= EPHEMERAL_HIGH);
});

test('udp6 is refused with a clear message', () => {
  const net = lan();
  assert.throws(() => net.host('a').createSocket({ type: 'udp6' as 'udp4' }), /vnet emulates IPv4/);
});
