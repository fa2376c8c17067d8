// A host whose stack lives outside the engine (a netns host's kernel), on the virtual clock: what
// reaches it goes to the stack as it came (fragments included), what the stack sends leaves eth0 as the
// host's own, through the NAT like any other packet; a forged source is dropped; removal lets it go.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExternalStack } from '../../src/engine/host.js';
import { formatIpv4, parseIpv4 } from '../../src/wire/addr.js';
import { makeUdp, type Packet } from '../../src/wire/packet.js';
import { collect, natNetwork } from '../helpers.js';

function withStack(): { net: ReturnType<typeof natNetwork>; got: Packet[]; closed: string[] } {
  const net = natNetwork('full-cone');
  const got: Packet[] = [];
  const closed: string[] = [];
  net.externalStacks = (h): ExternalStack => ({ name: `ns-${h.name}`, deliver: (p) => got.push({ ...p }), close: () => closed.push(h.name) });
  net.addHost({ name: 'k', router: 'home', ips: ['192.168.1.9'], netns: true });
  return { net, got, closed };
}

test('what the outside stack sends leaves through the NAT; the answer reaches the stack', () => {
  const { net, got } = withStack();
  const k = net.host('k');
  assert.equal(k.stack?.name, 'ns-k');
  const server = net.host('y1').udpBind(7);
  const heard = collect(server, net);
  server.on('message', (msg: Buffer, rinfo: { address: string; port: number }) => server.send(msg, rinfo.port, rinfo.address));
  k.fromStack(makeUdp(parseIpv4('192.168.1.9'), 40000, parseIpv4('198.51.100.1'), 7, Buffer.from('hi')));
  net.runUntilIdle();
  assert.deepEqual(heard.map((h) => [h.data, h.from]), [['hi', '203.0.113.1']]);
  assert.equal(got.length, 1);
  assert.deepEqual([formatIpv4(got[0].src), got[0].srcPort, formatIpv4(got[0].dst), got[0].dstPort], ['198.51.100.1', 7, '192.168.1.9', 40000]);
  assert.equal(got[0].ttl, 63, 'home took one from the TTL');
});

test('fragments for a netns host go to its stack unassembled; a forged source is dropped as martian', () => {
  const { net, got } = withStack();
  const k = net.host('k');
  // y1 answers k's datagram with 3000 bytes, which leave it in fragments (a socket's default 'want').
  const s = net.host('y1').udpBind(9);
  s.on('message', (_m: Buffer, rinfo: { address: string; port: number }) => s.send(Buffer.alloc(3000, 1), rinfo.port, rinfo.address));
  k.fromStack(makeUdp(parseIpv4('192.168.1.9'), 40001, parseIpv4('198.51.100.1'), 9, Buffer.from('open')));
  net.runUntilIdle();
  assert.ok(got.length >= 2 && got.every((p) => (p.frag ?? 0) !== 0), `want fragments, got ${got.map((p) => p.frag).join(',')}`);
  k.fromStack(makeUdp(parseIpv4('192.168.1.77'), 1, parseIpv4('198.51.100.1'), 9, Buffer.from('x')));
  assert.equal(k.eth0.stats.drops.get('martian'), 1);
});

test('removing a netns host closes its stack; a network with no factory keeps netns hosts without one', () => {
  const { net, closed } = withStack();
  net.remove('k');
  assert.deepEqual(closed, ['k']);
  const bare = natNetwork('full-cone');
  const h = bare.addHost({ name: 'k', router: 'home', netns: true });
  assert.equal(h.netns, true);
  assert.equal(h.stack, null);
});

test('a factory that throws refuses the host and frees its address', () => {
  const net = natNetwork('full-cone');
  net.externalStacks = () => {
    throw new Error('no root');
  };
  assert.throws(() => net.addHost({ name: 'k', router: 'home', ips: ['192.168.1.9'], netns: true }), /no root/);
  assert.equal(net.hostNamed('k'), undefined);
  assert.equal(net.addHost({ name: 'k2', router: 'home', ips: ['192.168.1.9'] }).ip, '192.168.1.9');
});
