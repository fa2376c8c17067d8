// Multicast through routers on the virtual clock: the gVisor walk-through end to end (missing-route
// event, local delivery, queued packets forwarded after install, last used 10 s later), queue
// overflow and expiry, TTL thresholds in both modes, the RPF check, joins and leaves under traffic,
// a route through a NAT, 224.0.0.0/24 kept on its link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../../src/engine/network.js';
import type { NetworkEvent } from '../../src/engine/events.js';
import type { VSocket } from '../../src/engine/socket.js';
import type { MulticastOptions } from '../../src/multicast/router-multicast.js';

const G = '239.1.1.1';
const S = '198.51.100.1';

/**
 * internet (0.0.0.0/0): src 198.51.100.1, peer 198.51.100.2
 *  └ r1 10.1.0.0/24 (nat none, uplink 198.51.100.254): a 10.1.0.2, b 10.1.0.3
 *     └ r2 10.2.0.0/24 (nat none, uplink 10.1.0.10): c 10.2.0.2
 */
function tree(mc: MulticastOptions = { forwarding: true }, seed = 1): { net: Network; events: NetworkEvent[] } {
  const net = new Network({ clock: 'virtual', seed });
  const events: NetworkEvent[] = [];
  net.on((e) => { if (e.type !== 'node-added') events.push(e); });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addHost({ name: 'src', router: 'internet', ips: [S] });
  net.addHost({ name: 'peer', router: 'internet', ips: ['198.51.100.2'] });
  net.addRouter({ name: 'r1', parent: 'internet', cidr: '10.1.0.0/24', ips: ['198.51.100.254'], nat: 'none', multicast: mc });
  net.addHost({ name: 'a', router: 'r1', ips: ['10.1.0.2'] });
  net.addHost({ name: 'b', router: 'r1', ips: ['10.1.0.3'] });
  net.addRouter({ name: 'r2', parent: 'r1', cidr: '10.2.0.0/24', ips: ['10.1.0.10'], nat: 'none', multicast: mc });
  net.addHost({ name: 'c', router: 'r2', ips: ['10.2.0.2'] });
  return { net, events };
}

interface Got { data: string; ttl: number; from: string }

/** A socket on `node` bound to port 5000 that joined G; what it gets, with each datagram's TTL as it arrived. */
function member(net: Network, node: string, port = 5000): { sock: VSocket; got: Got[] } {
  const n = net.node(node);
  const sock = n.createSocket('udp4').bindNow(port);
  sock.addMembership(G);
  const got: Got[] = [];
  let lastTtl = -1;
  for (const i of n.interfaces()) i.addTap({ packet: (p, dir) => { if (dir === 'in' && p.dst === 0xef010101) lastTtl = p.ttl; } });
  sock.on('message', (m: Buffer, r: { address: string }) => got.push({ data: m.toString(), ttl: lastTtl, from: r.address }));
  return { sock, got };
}

function sender(net: Network, ttl = 8): VSocket {
  const s = net.host('src').createSocket('udp4').bindNow(4000);
  s.setMulticastTTL(ttl);
  return s;
}

const mroute = (e: NetworkEvent[]) => e.filter((x) => x.type.startsWith('mroute')).map((x) => ({ ...x }));

test('the gVisor walk-through: missing-route event once, local delivery, queued packets forwarded at install, last used exactly 10 s later', () => {
  const { net, events } = tree();
  const onLink = member(net, 'peer');
  const routerOwn = member(net, 'r1');
  const a = member(net, 'a');
  net.runUntilIdle();
  events.length = 0;
  const tx = sender(net);
  for (let i = 1; i <= 4; i++) tx.send(`p${i}`, 5000, G);
  net.runUntilIdle();
  assert.deepEqual(mroute(events), [{ type: 'mroute-missing', time: 0, router: 'r1', source: S, group: G, iif: 'uplink' }], 'one event for the pending route, not one per packet');
  assert.deepEqual(onLink.got.map((g) => g.data), ['p1', 'p2', 'p3', 'p4'], 'the source\'s own LAN gets everything (switched)');
  assert.deepEqual(routerOwn.got.map((g) => g.data), ['p1', 'p2', 'p3', 'p4'], 'the router delivers locally, the 4th packet too (local delivery only)');
  assert.equal(a.got.length, 0, 'nothing forwarded yet');
  const drops = events.filter((e) => e.type === 'drop').map((e) => `${(e as { reason: string }).reason} ${(e as { iface: string }).iface}`);
  assert.deepEqual(drops, ['mroute-queue-full r1/uplink'], 'the 4th packet overflows the queue of 3');
  const pending = net.mroutes('r1');
  assert.deepEqual(pending.map((r) => [r.state, r.iif, r.queued, r.overflow, r.expiresNs]), [['unresolved', 'uplink', 3, 1, 10e9]]);

  net.advance('1s');
  const view = net.addMroute({ router: 'r1', source: S, group: G, in: 'uplink', out: ['lan'] });
  net.runUntilIdle();
  assert.deepEqual(a.got, [{ data: 'p1', ttl: 7, from: S }, { data: 'p2', ttl: 7, from: S }, { data: 'p3', ttl: 7, from: S }], 'the 3 queued packets, TTL-1');
  assert.equal(view.lastUsedNs, 1e9);
  net.advance('10s');
  tx.send('p5', 5000, G);
  net.runUntilIdle();
  assert.deepEqual(a.got.map((g) => g.data), ['p1', 'p2', 'p3', 'p5']);
  const [r] = net.mroutes('r1');
  assert.deepEqual([r.state, r.lastUsedNs, r.packets, r.bytes], ['resolved', 11e9, 4, 4 * 30]);
});

test('compat linux holds 4 pending packets: the 5th overflows', () => {
  const { net } = tree({ forwarding: true, compat: 'linux' });
  const a = member(net, 'a');
  const tx = sender(net);
  for (let i = 1; i <= 6; i++) tx.send(`p${i}`, 5000, G);
  net.runUntilIdle();
  assert.deepEqual(net.mroutes('r1').map((r) => [r.queued, r.overflow]), [[4, 2]]);
  net.addMroute({ router: 'r1', source: S, group: G, in: 'uplink', out: ['lan'] });
  net.runUntilIdle();
  assert.deepEqual(a.got.map((g) => g.data), ['p1', 'p2', 'p3', 'p4'], 'as measured on Linux: 6 sent, 4 forwarded after the route');
});

test('a pending route expires: its packets are dropped and counted, a route installed later forwards only new packets', () => {
  const { net, events } = tree();
  const a = member(net, 'a');
  const tx = sender(net);
  tx.send('old', 5000, G);
  net.runUntilIdle();
  net.advance('20s');
  assert.deepEqual(net.mroutes('r1'), [], 'swept at 20 s (expired strictly after 10 s)');
  assert.equal(net.iface('r1/uplink').stats.drops.get('mroute-expired'), 1);
  assert.ok(events.some((e) => e.type === 'drop' && e.reason === 'mroute-expired'));
  net.addMroute({ router: 'r1', source: S, group: G, in: 'uplink', out: ['lan'] });
  tx.send('new', 5000, G);
  net.runUntilIdle();
  assert.deepEqual(a.got.map((g) => g.data), ['new']);
});

test('installed after expiry but before the sweep: the queued packets are not forwarded', () => {
  const { net } = tree();
  const a = member(net, 'a');
  sender(net).send('stale', 5000, G);
  net.runUntilIdle();
  net.advance('10000000001ns');
  net.addMroute({ router: 'r1', source: S, group: G, in: 'uplink', out: ['lan'] });
  net.runUntilIdle();
  assert.equal(a.got.length, 0);
  assert.equal(net.iface('r1/uplink').stats.drops.get('mroute-expired'), 1);
});

test('TTL thresholds: gVisor forwards when TTL >= MinTTL, Linux when TTL > threshold', () => {
  for (const [compat, want] of [['gvisor', ['ttl4', 'ttl5']], ['linux', ['ttl5']]] as const) {
    const { net } = tree({ forwarding: true, compat });
    const a = member(net, 'a');
    net.addMroute({ router: 'r1', source: S, group: G, in: 'uplink', out: ['lan:4'] });
    const tx = net.host('src').createSocket('udp4').bindNow(4000);
    for (const ttl of [3, 4, 5]) {
      tx.setMulticastTTL(ttl);
      tx.send(`ttl${ttl}`, 5000, G);
    }
    net.runUntilIdle();
    assert.deepEqual(a.got.map((g) => g.data), want, `${compat}: below, equal, above the threshold 4`);
    assert.equal(net.iface('r1/lan').stats.drops.get('mroute-ttl-threshold'), 3 - want.length);
  }
});

test('TTL 1 is never forwarded (RFC 1812), whatever the threshold', () => {
  const { net } = tree();
  const a = member(net, 'a');
  net.addMroute({ router: 'r1', source: S, group: G, in: 'uplink', out: ['lan:0'] });
  sender(net, 1).send('ttl1', 5000, G);
  net.runUntilIdle();
  assert.equal(a.got.length, 0);
  assert.equal(net.iface('r1/uplink').stats.drops.get('ttl-exceeded'), 1);
});

test('wrong input interface: dropped, counted on the route, mroute-wrong-iif names the expected one', () => {
  const { net, events } = tree();
  const a = member(net, 'a');
  // A route that expects S's packets on the LAN: they come in on the uplink.
  net.addMroute({ router: 'r1', source: S, group: G, in: 'lan', out: ['uplink'] });
  sender(net).send('x', 5000, G);
  net.runUntilIdle();
  assert.equal(a.got.length, 0);
  assert.deepEqual(mroute(events), [{ type: 'mroute-wrong-iif', time: 0, router: 'r1', source: S, group: G, iif: 'uplink', expectedIif: 'lan' }]);
  assert.equal(net.mroutes('r1')[0].wrongIif, 1);
});

test('compat linux: at most one mroute-wrong-iif event per route per 3 s (ipmr\'s MFC_ASSERT_THRESH); every packet counted', () => {
  const { net, events } = tree({ forwarding: true, compat: 'linux' });
  net.addMroute({ router: 'r1', source: S, group: G, in: 'lan', out: ['uplink'] });
  const tx = sender(net);
  for (let i = 0; i < 4; i++) {
    tx.send('x', 5000, G);
    net.advance('1s');
  }
  assert.deepEqual(mroute(events).map((e) => e.time), [0, 3e9]);
  assert.equal(net.mroutes('r1')[0].wrongIif, 4);
});

test('re-install overwrites: the new outgoing interfaces take effect', () => {
  const { net } = tree();
  const a = member(net, 'a');
  const tx = sender(net);
  net.addMroute({ router: 'r1', source: S, group: G, in: 'uplink', out: ['lan:9'] });
  tx.send('blocked', 5000, G);
  net.addMroute({ router: 'r1', source: S, group: G, in: 'uplink', out: ['lan'] });
  tx.send('passes', 5000, G);
  net.runUntilIdle();
  assert.deepEqual(a.got.map((g) => g.data), ['passes']);
  assert.equal(net.removeMroute('r1', S, G), true);
  assert.equal(net.removeMroute('r1', S, G), false);
});

test('two hops: r1 forwards to its LAN, r2 (a child on it) forwards to its own; TTL drops once per router', () => {
  const { net } = tree();
  const a = member(net, 'a');
  const c = member(net, 'c');
  net.addMroute({ router: 'r1', source: S, group: G, in: 'uplink', out: ['lan'] });
  net.addMroute({ router: 'r2', source: S, group: G, in: 'uplink', out: ['lan'] });
  sender(net).send('far', 5000, G);
  net.runUntilIdle();
  assert.deepEqual(a.got, [{ data: 'far', ttl: 7, from: S }]);
  assert.deepEqual(c.got, [{ data: 'far', ttl: 6, from: S }]);
});

test('from a LAN upward: a host\'s group datagram reaches LAN neighbours (TTL kept) and, routed, the parent LAN', () => {
  const { net } = tree();
  const b = member(net, 'b');
  const peer = member(net, 'peer');
  const A = '10.1.0.2';
  net.addMroute({ router: 'r1', source: A, group: G, in: 'lan', out: ['uplink'] });
  const tx = net.host('a').createSocket('udp4').bindNow(4000);
  tx.setMulticastTTL(4);
  tx.send('up', 5000, G);
  net.runUntilIdle();
  assert.deepEqual(b.got, [{ data: 'up', ttl: 4, from: A }], 'switched on the LAN');
  assert.deepEqual(peer.got, [{ data: 'up', ttl: 3, from: A }], 'forwarded up');
});

test('joins and leaves under traffic: a member gets datagrams only while it is in the group; hosts not in it never see them', () => {
  const { net } = tree();
  net.addMroute({ router: 'r1', source: S, group: G, in: 'uplink', out: ['lan'] });
  const tx = sender(net);
  const sock = net.host('a').createSocket('udp4').bindNow(5000);
  const got: string[] = [];
  sock.on('message', (m: Buffer) => got.push(m.toString()));
  const bRx = net.iface('b/eth0').stats;
  for (let i = 0; i < 6; i++) {
    if (i === 2) sock.addMembership(G);
    if (i === 4) sock.dropMembership(G);
    tx.send(`n${i}`, 5000, G);
    net.advance('100ms');
  }
  assert.deepEqual(got, ['n2', 'n3']);
  assert.equal(bRx.rxPackets, 0, 'b joined nothing: its NIC takes no group frames (the IGMP queries are link-local, none is due yet)');
});

test('IP_MULTICAST_LOOP: the sender\'s own host gets a copy when it is a member, unless loopback is off', () => {
  const { net } = tree();
  const h = net.host('a');
  const rx = h.createSocket({ type: 'udp4', reuseAddr: true }).bindNow(5000);
  rx.addMembership(G);
  const got: string[] = [];
  rx.on('message', (m: Buffer) => got.push(m.toString()));
  const tx = h.createSocket('udp4').bindNow(4000);
  tx.send('looped', 5000, G);
  tx.setMulticastLoopback(false);
  tx.send('not looped', 5000, G);
  net.runUntilIdle();
  assert.deepEqual(got, ['looped']);
});

test('224.0.0.0/24 stays on its link even with a route-like setup', () => {
  const { net } = tree();
  const n = net.host('a');
  const sock = n.createSocket('udp4').bindNow(5353);
  sock.addMembership('224.0.0.251');
  const got: string[] = [];
  sock.on('message', (m: Buffer) => got.push(m.toString()));
  const tx = net.host('src').createSocket('udp4').bindNow(4000);
  tx.setMulticastTTL(255);
  tx.send('mdns', 5353, '224.0.0.251');
  net.runUntilIdle();
  assert.deepEqual(got, []);
  assert.deepEqual(net.mroutes('r1'), [], 'no pending route either');
  assert.throws(() => net.addMroute({ router: 'r1', source: S, group: '224.0.0.251', in: 'uplink', out: ['lan'] }), /link-local/);
});

test('through a NAT: the copy sent up the uplink leaves with the router\'s address, as Linux masquerade does', () => {
  const net = new Network({ clock: 'virtual' });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addHost({ name: 'peer', router: 'internet', ips: ['198.51.100.2'] });
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', ips: ['203.0.113.1'], nat: 'linux', multicast: { forwarding: true } });
  net.addHost({ name: 'cam', router: 'home', ips: ['192.168.1.2'] });
  const peer = member(net, 'peer');
  net.addMroute({ router: 'home', source: '192.168.1.2', group: G, in: 'lan', out: ['uplink'] });
  const tx = net.host('cam').createSocket('udp4').bindNow(4000);
  tx.setMulticastTTL(2);
  tx.send('stream', 5000, G);
  net.runUntilIdle();
  assert.deepEqual(peer.got, [{ data: 'stream', ttl: 1, from: '203.0.113.1' }]);
  assert.deepEqual(net.router('home').nat!.list().map((m) => `${m.internal} ${m.external}`), ['192.168.1.2:4000 203.0.113.1:4000']);
});

test('route errors say one fact: unknown interface, input listed as output, no outputs, not unicast source', () => {
  const { net } = tree();
  const add = (o: Partial<{ source: string; group: string; in: string; out: string[] }>) =>
    net.addMroute({ router: 'r1', source: S, group: G, in: 'uplink', out: ['lan'], ...o });
  assert.throws(() => add({ out: ['eth9'] }), /router r1 has no interface "eth9"; it has lan, uplink/);
  assert.throws(() => add({ out: ['uplink'] }), /interface uplink is the route's input and cannot also be an output/);
  assert.throws(() => add({ out: [] }), /at least one outgoing interface/);
  assert.throws(() => add({ source: '239.1.1.2' }), /not a unicast address/);
  assert.throws(() => add({ group: '10.0.0.1' }), /not a multicast address/);
  assert.throws(() => add({ out: ['lan:300'] }), /not 0-255/);
  assert.throws(() => add({ out: ['r2/lan'] }), /interface "r2\/lan" is not one of router r1's; write its name alone/);
  assert.equal(add({ in: 'r1/uplink', out: ['r1/lan:2'] }).oifs[0].iface, 'lan', 'ROUTER/IFACE as completion offers it');
});
