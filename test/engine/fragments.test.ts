// IPv4 fragmentation, reassembly and path-MTU discovery, each against the figure Linux gives
// (measured with network namespaces: see test/engine/fragments-netns.test.ts for the live comparison).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../../src/engine/network.js';
import { collect } from '../helpers.js';
import { parseIpv4 } from '../../src/wire/addr.js';
import { fragmentPacket } from '../../src/wire/fragment.js';
import {
  ICMP_DEST_UNREACHABLE, ICMP_TIME_EXCEEDED, makeUdp, UNREACH_FRAG_NEEDED, type Packet,
} from '../../src/wire/packet.js';
import type { IcmpMessage } from '../../src/engine/node.js';
import type { IcmpNotice } from '../../src/engine/socket.js';

/** inside (eth0 mtu 1500) → tunnel (NAT, mtu 1400) → internet → server 198.51.100.7. */
function tunnel(mtu = 1400): Network {
  const net = new Network({ clock: 'virtual', seed: 11 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'tunnel', parent: 'internet', cidr: '10.9.0.0/24', nat: 'full-cone', mtu });
  net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  net.addHost({ name: 'other', router: 'internet', ips: ['198.51.100.8'] });
  net.addHost({ name: 'inside', router: 'tunnel', mtu: 1500 });
  return net;
}

/** Every packet leaving an interface: [length, DF, MF, offset]. */
function onWire(net: Network, iface: string): [number, boolean, boolean, number][] {
  const seen: [number, boolean, boolean, number][] = [];
  net.iface(iface).addTap({
    packet: (p, dir) => {
      if (dir !== 'out') return;
      const f = p.frag ?? 0;
      seen.push([20 + (f ? 0 : 8) + p.payload.length, p.df, (f & 0x2000) !== 0, (f & 0x1fff) * 8]);
    },
  });
  return seen;
}

test('row 1: a non-DF datagram over the next hop\'s MTU is fragmented by the router and delivered (Linux: delivered)', () => {
  const net = tunnel();
  const got = collect(net.host('server').udpBind(7000), net);
  const wire = onWire(net, 'tunnel/uplink');
  const s = net.host('inside').udpBind(5000);
  s.setMtuDiscover('dont');
  const data = Buffer.alloc(3000);
  for (let i = 0; i < data.length; i++) data[i] = i * 7;
  s.send(data, 7000, '198.51.100.7');
  net.runUntilIdle();
  assert.equal(got.length, 1);
  assert.equal(got[0].data, data.toString());
  // The host cut it at its 1500-byte link, the NAT reassembled it and cut it again the same way (Linux's frag_max_size).
  assert.deepEqual(wire, [[1396, false, true, 0], [1396, false, true, 1376], [276, false, false, 2752]]);
});

test('row 2: a host sends 1600 bytes on a 1500-byte link without DF: it leaves in fragments (Linux: sent as fragments)', () => {
  const net = tunnel(1500);
  const got = collect(net.host('server').udpBind(7000), net);
  const wire = onWire(net, 'inside/eth0');
  for (const mode of ['dont', 'want'] as const) {
    const s = net.host('inside').udpBind(0);
    s.setMtuDiscover(mode);
    assert.equal(s.sendBytes(Buffer.alloc(1600 - 28), 7000, '198.51.100.7'), null, mode);
  }
  const strict = net.host('inside').udpBind(0);
  strict.setMtuDiscover('do');
  // Linux with IP_PMTUDISC_DO: sendto fails with EMSGSIZE.
  assert.equal(strict.sendBytes(Buffer.alloc(1600 - 28), 7000, '198.51.100.7')?.code, 'EMSGSIZE');
  net.runUntilIdle();
  assert.deepEqual(got.map((r) => r.data.length), [1572, 1572]);
  assert.deepEqual(wire, [
    [1500, false, true, 0], [120, false, false, 1480],
    [1500, false, true, 0], [120, false, false, 1480],
  ], 'fragments carry no DF, the first 1480 bytes of payload, the rest at offset 1480');
});

test('row 3: default socket, path MTU 1400 behind a router: the first datagram draws frag-needed, the next are fragmented locally (Linux: 2 of 3)', () => {
  const net = tunnel();
  const got = collect(net.host('server').udpBind(7000), net);
  const inside = net.host('inside');
  const s = inside.udpBind(5000);
  assert.equal(s.getMtuDiscover(), 'want');
  const notices: IcmpNotice[] = [];
  s.on('icmp', (n: IcmpNotice) => notices.push(n));
  for (let i = 0; i < 3; i++) {
    s.send(Buffer.alloc(1450), 7000, '198.51.100.7');
    net.runUntilIdle();
  }
  assert.equal(got.length, 2, 'Linux delivers 2 of 3');
  assert.deepEqual(notices.map((n) => [n.type, n.code, n.mtu]), [[ICMP_DEST_UNREACHABLE, UNREACH_FRAG_NEEDED, 1400]]);
  assert.equal(net.iface('tunnel/uplink').stats.drops.get('mtu'), 1);
  assert.equal(inside.pathMtu(parseIpv4('198.51.100.7')), 1400);
});

test('row 4: the path MTU is cached per destination and forgotten after 10 minutes, as Linux\'s mtu_expires', () => {
  const net = tunnel();
  const inside = net.host('inside');
  const server = parseIpv4('198.51.100.7');
  const other = parseIpv4('198.51.100.8');
  const s = inside.udpBind(5000);
  const notices: IcmpNotice[] = [];
  s.on('icmp', (n: IcmpNotice) => notices.push(n));
  s.send(Buffer.alloc(1450), 7000, '198.51.100.7');
  net.runUntilIdle();
  assert.equal(inside.pathMtu(server), 1400);
  assert.equal(inside.pathMtu(other), 1500, 'another destination keeps the link MTU');
  const c = inside.udpBind(0);
  c.connect(7000, '198.51.100.7');
  net.runUntilIdle();
  assert.equal(c.getPathMtu(), 1400, 'IP_MTU of a connected socket');
  // A 'do' socket now gets EMSGSIZE at the path MTU (Linux: the same, from the cached route exception).
  const strict = inside.udpBind(0);
  strict.setMtuDiscover('do');
  assert.match(strict.sendBytes(Buffer.alloc(1450), 7000, '198.51.100.7')?.message ?? '', /path MTU to 198\.51\.100\.7 \(1400 bytes\)/);
  net.advance('599s');
  assert.equal(inside.pathMtu(server), 1400);
  net.advance('1s');
  assert.equal(inside.pathMtu(server), 1500, 'expired after 600 s');
  s.send(Buffer.alloc(1450), 7000, '198.51.100.7');
  net.runUntilIdle();
  assert.equal(notices.length, 2, 'learnt again from a second frag-needed');
});

test('a frag-needed below 552 bytes pins the path MTU at 552 and datagrams go without DF (Linux min_pmtu)', () => {
  const net = tunnel(500);
  const got = collect(net.host('server').udpBind(7000), net);
  const inside = net.host('inside');
  const s = inside.udpBind(5000);
  s.send(Buffer.alloc(1000), 7000, '198.51.100.7');
  net.runUntilIdle();
  assert.equal(inside.pathMtu(parseIpv4('198.51.100.7')), 552);
  const wire = onWire(net, 'inside/eth0');
  s.send(Buffer.alloc(400), 7000, '198.51.100.7');
  s.send(Buffer.alloc(1000), 7000, '198.51.100.7');
  net.runUntilIdle();
  assert.deepEqual(got.map((r) => r.data.length), [400, 1000]);
  assert.ok(wire.every(([, df]) => !df), 'no DF on a pinned path');
  assert.equal(wire.length, 3, '428 bytes whole, 1028 in two fragments of at most 552');
});

/** Fragments of a datagram from `other` (198.51.100.8) to the server, made as the host would. */
function fragmentsOf(size: number, id: number, mtu = 1500): Packet[] {
  const p = makeUdp(parseIpv4('198.51.100.8'), 5000, parseIpv4('198.51.100.7'), 7000, new Uint8Array(size));
  p.id = id;
  return fragmentPacket(p, mtu);
}

test('reassembly: out of order and duplicated fragments make one datagram; overlapping ones drop the queue', () => {
  const net = tunnel();
  const server = net.host('server');
  const got = collect(server.udpBind(7000), net);
  const eth0 = net.iface('server/eth0');
  const [a, b, c] = fragmentsOf(3000, 1);
  for (const f of [c, a, a, b]) eth0.receive(f);
  net.runUntilIdle();
  assert.deepEqual(got.map((r) => r.data.length), [3000]);
  assert.equal(eth0.stats.drops.get('frag-duplicate'), 1);
  const [x, y] = fragmentsOf(3000, 2);
  const overlap: Packet = { ...y, frag: (y.frag ?? 0) - 1 }; // starts 8 bytes inside x
  eth0.receive(x);
  eth0.receive(overlap);
  net.runUntilIdle();
  assert.equal(got.length, 1);
  assert.equal(eth0.stats.drops.get('frag-invalid'), 2, 'the overlapping fragment and the one it overlapped');
  assert.equal(server.reassembly.pending, 0);
});

test('reassembly timeout: 30 s after the first fragment the queue is dropped, with ICMP time exceeded code 1 (as Linux)', () => {
  const net = tunnel();
  const server = net.host('server');
  const got = collect(server.udpBind(7000), net);
  const icmp: IcmpMessage[] = [];
  net.host('other').onIcmp((m) => icmp.push(m));
  const eth0 = net.iface('server/eth0');
  const [first] = fragmentsOf(3000, 3);
  const [, later] = fragmentsOf(3000, 4);
  eth0.receive(first);
  eth0.receive(later);
  net.advance('29.999s');
  assert.equal(server.reassembly.pending, 2);
  net.advance('1ms');
  assert.equal(server.reassembly.pending, 0);
  assert.equal(eth0.stats.drops.get('frag-timeout'), 2);
  net.runUntilIdle();
  assert.equal(got.length, 0);
  // Only the queue that held the first fragment answers (Linux's ip_expire).
  assert.deepEqual(icmp.map((m) => [m.type, m.code]), [[ICMP_TIME_EXCEEDED, 1]]);
});

test('reassembly memory is bounded: past the limit every fragment is dropped and counted', () => {
  const net = tunnel();
  const server = net.host('server');
  server.reassembly.limitBytes = 10_000;
  const eth0 = net.iface('server/eth0');
  for (let id = 10; id < 30; id++) eth0.receive(fragmentsOf(3000, id)[0]);
  assert.equal(server.reassembly.held, 7 * 1500, 'held up to the first fragment over the limit');
  assert.equal(eth0.stats.drops.get('frag-overflow'), 13);
  net.advance('30s');
  assert.equal(server.reassembly.held, 0);
  assert.equal(eth0.stats.drops.get('frag-timeout'), 7);
});

test('NAT: fragmented datagrams are reassembled, translated and fragmented again both ways (Linux conntrack defrag)', () => {
  const net = tunnel(1500);
  const server = net.host('server');
  const inside = net.host('inside');
  const atServer = collect(server.udpBind(7000), net);
  const s = inside.udpBind(5000);
  const atInside = collect(s, net);
  const up = onWire(net, 'tunnel/uplink');
  const lan = onWire(net, 'tunnel/lan');
  s.send(Buffer.alloc(4000, 1), 7000, '198.51.100.7');
  net.runUntilIdle();
  assert.equal(atServer.length, 1);
  assert.equal(atServer[0].data.length, 4000);
  assert.notEqual(atServer[0].from, inside.ip, 'source translated');
  assert.equal(up.length, 3, 'three fragments out of the uplink');
  server.udpBind(0).send(Buffer.alloc(4000, 2), atServer[0].port, atServer[0].from);
  net.runUntilIdle();
  assert.deepEqual(atInside.map((r) => [r.data.length, r.from]), [[4000, '198.51.100.7']]);
  assert.equal(lan.length, 3, 'three fragments onto the LAN');
  // conntrack's reassembly never answers a timeout with ICMP.
  const icmp: IcmpMessage[] = [];
  server.onIcmp((m) => icmp.push(m));
  net.iface('tunnel/uplink').receive({ ...fragmentsOf(3000, 9)[0], src: parseIpv4('198.51.100.7'), dst: parseIpv4(atServer[0].from) });
  net.advance('31s');
  net.runUntilIdle();
  assert.equal(net.iface('tunnel/uplink').stats.drops.get('frag-timeout'), 1);
  assert.equal(icmp.length, 0);
});

test('sockets refuse what IPv4 cannot carry and unknown discovery modes', () => {
  const net = tunnel();
  const s = net.host('inside').udpBind(0);
  assert.equal(s.sendBytes(Buffer.alloc(65507), 7000, '198.51.100.7'), null);
  assert.equal(s.sendBytes(Buffer.alloc(65508), 7000, '198.51.100.7')?.code, 'EMSGSIZE');
  assert.throws(() => s.setMtuDiscover('probe' as 'do'), /not one of want, do, dont/);
});

test('drop events name fragments: the first with its ports, later ones by offset', () => {
  const net = tunnel();
  const events: string[] = [];
  net.on((e) => { if (e.type === 'drop') events.push(`${e.reason}: ${e.packet}`); });
  const server = net.host('server');
  server.reassembly.limitBytes = -1;
  const eth0 = net.iface('server/eth0');
  const [a, b] = fragmentsOf(3000, 40);
  eth0.receive(a);
  eth0.receive(b);
  assert.deepEqual(events, [
    'frag-overflow: UDP 198.51.100.8:5000 → 198.51.100.7:7000 len=1500 ttl=64 frag=0+',
    'frag-overflow: IP proto 17 198.51.100.8 → 198.51.100.7 len=1500 ttl=64 frag=1480+',
  ]);
});

test('a ping larger than the MTU to a router: the request is reassembled there and the reply comes back in fragments', () => {
  // Linux answers a 3000-byte ping with a reply in 3 fragments (its ICMP socket sends without DF).
  const net = tunnel(1500);
  const replies: IcmpMessage[] = [];
  net.host('inside').onIcmp((m) => replies.push(m));
  const wire = onWire(net, 'tunnel/lan');
  net.host('inside').sendEcho('10.9.0.1', { id: 5, seq: 1, size: 3000 });
  net.runUntilIdle();
  assert.deepEqual(replies.map((m) => [m.type, m.id]), [[0, 5]]);
  assert.equal(wire.length, 3, 'the reply in 3 fragments');
});
