// Where multicast meets routers with several LANs: one router's (S,G) route from lan to lan2 and lan3
// (with a TTL threshold), IGMP memberships learnt per LAN, a missing route for a source on lan2, a
// wrong input interface from lan3, and the session's mroute.add naming lan2. Virtual clock, seeded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkEvent } from '../../src/engine/events.js';
import type { Network } from '../../src/engine/network.js';
import type { MrouteView } from '../../src/multicast/router-multicast.js';
import type { McastView } from '../../src/multicast/network-api.js';
import { ctx, newSession } from '../fixtures/topology/helpers.js';
import { collect } from '../helpers.js';

const G = '239.1.1.1';

/** office (multicast, nat none) with lan 10.1.0.0/24 (a, sender), lan2 10.2.0.0/24 (b joins, b2 does not), lan3 10.3.0.0/24 (c, c2). */
function office(): { net: Network; events: NetworkEvent[]; call(m: string, p: Record<string, unknown>): unknown } {
  const s = newSession(11);
  const call = (m: string, p: Record<string, unknown>): unknown => s.call(m, p, ctx);
  call('router.add', { name: 'internet', cidr: '0.0.0.0/0' });
  call('router.add', { name: 'office', parent: 'internet', cidr: '10.1.0.0/24', nat: 'none', multicast: { forwarding: true } });
  call('router.iface.add', { router: 'office', cidr: '10.2.0.0/24' });
  call('router.iface.add', { router: 'office', cidr: '10.3.0.0/24' });
  call('host.add', { name: 'a', router: 'office' });
  for (const [name, lan] of [['b', 'lan2'], ['b2', 'lan2'], ['c', 'lan3'], ['c2', 'lan3']]) call('host.add', { name, router: 'office', lan });
  const events: NetworkEvent[] = [];
  s.net.on((e) => { if (e.type.startsWith('mroute') || e.type.startsWith('mcast')) events.push(e); });
  return { net: s.net, events, call };
}

test('an (S,G) route from lan to lan2 and lan3:4: members learnt per LAN, copies where the route, the TTL and the joins say', () => {
  const { net, events, call } = office();
  const gotB = collect(net.host('b').udpBind(5000), net);
  net.host('b').ports.sockets()[0].addMembership(G);
  const gotB2 = collect(net.host('b2').udpBind(5000), net);
  const gotC = collect(net.host('c').udpBind(5000), net);
  net.runUntilIdle();
  const learned = (call('mcast.ls', {}) as McastView).learned;
  assert.deepEqual(learned.map((m) => `${m.router} ${m.iface} ${m.group} ${m.reporter}`), ['office lan2 239.1.1.1 10.2.0.2'],
    'the report from lan2 is learnt on lan2 only');
  assert.deepEqual(events.map((e) => `${e.type} ${(e as { iface?: string }).iface}`), ['mcast-member-added lan2']);
  // The session method, as `vnet mroute add office ... --in lan --out lan2 --out lan3:4`.
  const view = call('mroute.add', { router: 'office', source: '10.1.0.2', group: G, in: 'lan', out: ['lan2', 'lan3:4'] }) as MrouteView;
  assert.equal(view.state, 'resolved');
  assert.deepEqual(view.oifs, [{ iface: 'lan2', minTtl: 1 }, { iface: 'lan3', minTtl: 4 }]);
  const tx = net.host('a').udpBind(4000);
  const onLan3: number[] = [];
  net.iface('office/lan3').addTap({ packet: (p, dir) => { if (dir === 'out' && p.dst === 0xef010101) onLan3.push(p.ttl); } });
  const ttlOnLan2: number[] = [];
  net.iface('b/eth0').addTap({ packet: (p, dir) => { if (dir === 'in' && p.dst === 0xef010101) ttlOnLan2.push(p.ttl); } });
  for (const ttl of [8, 4, 3]) {
    tx.setMulticastTTL(ttl);
    tx.send(`ttl ${ttl}`, 5000, G);
  }
  net.runUntilIdle();
  assert.deepEqual(gotB.map((g) => `${g.data} from ${g.from}`), ['ttl 8 from 10.1.0.2', 'ttl 4 from 10.1.0.2', 'ttl 3 from 10.1.0.2']);
  assert.deepEqual(ttlOnLan2, [7, 3, 2], 'each copy leaves with TTL-1');
  assert.equal(gotB2.length, 0, 'b2 on lan2 did not join: its NIC filters the group');
  assert.equal(gotC.length, 0, 'nobody on lan3 joined');
  assert.deepEqual(onLan3, [7, 3], 'TTL 8 and 4 pass lan3\'s threshold 4 (gVisor: >=), leaving with TTL-1');
  assert.equal(net.iface('office/lan3').stats.drops.get('mroute-ttl-threshold'), 1, 'TTL 3 does not');
  // A member joins on lan3: now it gets what passes the threshold.
  const gotC2 = collect(net.host('c2').udpBind(5000), net);
  net.host('c2').ports.sockets()[0].addMembership(G);
  net.runUntilIdle();
  for (const ttl of [4, 3]) {
    tx.setMulticastTTL(ttl);
    tx.send(`again ${ttl}`, 5000, G);
  }
  net.runUntilIdle();
  assert.deepEqual(gotC2.map((g) => g.data), ['again 4']);
  assert.deepEqual(gotB.slice(3).map((g) => g.data), ['again 4', 'again 3']);
  const learnedNow = (call('mcast.ls', {}) as McastView).learned.map((m) => `${m.iface} ${m.reporter}`).sort();
  assert.deepEqual(learnedNow, ['lan2 10.2.0.2', 'lan3 10.3.0.3']);
  const up = net.iface('office/uplink').stats;
  assert.equal(up.txPackets, 0, 'nothing left by the uplink (not in the route, no IGMP queries there)');
  const ls = call('mroute.ls', { router: 'office' }) as MrouteView[];
  assert.deepEqual(ls.map((r) => [r.source, r.iif, r.packets]), [['10.1.0.2', 'lan', 5]]);
});

test('a source on lan2 without a route raises mroute-missing with iif lan2; one on lan3 sending to lan\'s route is a wrong iif', () => {
  const { net, events, call } = office();
  net.host('a').udpBind(5000).addMembership(G);
  net.runUntilIdle();
  events.length = 0;
  const fromB = net.host('b').udpBind(4000);
  fromB.setMulticastTTL(8);
  fromB.send('no route', 5000, G);
  net.runUntilIdle();
  assert.deepEqual(events.map((e) => ({ ...e })), [{ type: 'mroute-missing', time: 0, router: 'office', source: '10.2.0.2', group: G, iif: 'lan2' }]);
  const pending = call('mroute.ls', { router: 'office' }) as MrouteView[];
  assert.deepEqual(pending.map((r) => [r.source, r.iif, r.state, r.queued]), [['10.2.0.2', 'lan2', 'unresolved', 1]]);
  // A route for c's address that expects it on lan: c's packets come in on lan3.
  call('mroute.add', { router: 'office', source: '10.3.0.2', group: G, in: 'lan', out: ['lan2'] });
  events.length = 0;
  const toLan2: string[] = [];
  net.iface('office/lan2').addTap({ packet: (p, dir) => { if (dir === 'out' && p.dst === 0xef010101) toLan2.push(String(p.src)); } });
  const fromC = net.host('c').udpBind(4000);
  fromC.setMulticastTTL(8);
  fromC.send('wrong way', 5000, G);
  net.runUntilIdle();
  assert.deepEqual(events.map((e) => ({ ...e })), [
    { type: 'mroute-wrong-iif', time: 0, router: 'office', source: '10.3.0.2', group: G, iif: 'lan3', expectedIif: 'lan' },
  ]);
  assert.equal(net.iface('office/lan3').stats.drops.get('mroute-wrong-iif'), 1);
  assert.deepEqual(toLan2, [], 'nothing forwarded to lan2');
  // Installing lan2's pending route forwards the queued packet to lan, where a joined.
  const got = collect(net.host('a').ports.sockets()[0], net);
  call('mroute.add', { router: 'office', source: '10.2.0.2', group: G, in: 'lan2', out: ['lan'] });
  net.runUntilIdle();
  assert.deepEqual(got.map((g) => `${g.data} from ${g.from}`), ['no route from 10.2.0.2']);
});

test('removing a LAN: its learnt members go, routes stop naming it (one that came in by it goes), and the export applies again', () => {
  const { net, call } = office();
  net.host('c').udpBind(5000).addMembership(G);
  net.host('b').udpBind(5000).addMembership(G);
  net.runUntilIdle();
  call('mroute.add', { router: 'office', source: '10.1.0.2', group: G, in: 'lan', out: ['lan2', 'lan3:4'] });
  call('mroute.add', { router: 'office', source: '10.3.0.2', group: G, in: 'lan3', out: ['lan'] });
  call('mroute.add', { router: 'office', source: '10.1.0.3', group: G, in: 'lan', out: ['lan3'] });
  assert.deepEqual(call('router.iface.rm', { router: 'office', name: 'lan3' }), { iface: 'office/lan3', removed: ['c', 'c2'], maps: [], proxies: [] });
  const routes = (call('mroute.ls', { router: 'office' }) as MrouteView[]).map((r) => `${r.source} ${r.iif} ${r.oifs.map((o) => o.iface).join(',')}`);
  assert.deepEqual(routes, ['10.1.0.2 lan lan2']);
  assert.deepEqual((call('mcast.ls', {}) as McastView).learned.map((m) => m.iface), ['lan2']);
  const { yaml } = call('topology.export', {}) as { yaml: string };
  const again = newSession(11);
  again.call('topology.apply', { text: yaml, fileName: 'export.yaml' }, ctx);
  assert.equal((again.call('topology.export', {}, ctx) as { yaml: string }).yaml, yaml);
  // A LAN added again under the name starts with no routes through it.
  call('router.iface.add', { router: 'office', name: 'lan3', cidr: '10.3.0.0/24' });
  const back = collect(net.addHost({ name: 'c3', router: 'office', lan: 'lan3' }).udpBind(5000), net);
  net.host('c3').ports.sockets()[0].addMembership(G);
  net.runUntilIdle();
  const tx = net.host('a').udpBind(4000);
  tx.setMulticastTTL(8);
  tx.send('after', 5000, G);
  net.runUntilIdle();
  assert.deepEqual(back, []);
});

test('a child router on lan2 (parentLan) gets the parent\'s copies out of lan2 and forwards them into its own LAN', () => {
  const { net, call } = office();
  call('router.add', { name: 'lab', parent: 'office', parentLan: 'lan2', cidr: '10.20.0.0/24', nat: 'none', multicast: { forwarding: true } });
  call('host.add', { name: 'd', router: 'lab' });
  const got = collect(net.host('d').udpBind(5000), net);
  net.host('d').ports.sockets()[0].addMembership(G);
  net.runUntilIdle();
  call('mroute.add', { router: 'office', source: '10.1.0.2', group: G, in: 'lan', out: ['lan2'] });
  call('mroute.add', { router: 'lab', source: '10.1.0.2', group: G, in: 'uplink', out: ['lan'] });
  const ttls: number[] = [];
  net.iface('d/eth0').addTap({ packet: (p, dir) => { if (dir === 'in' && p.dst === 0xef010101) ttls.push(p.ttl); } });
  const tx = net.host('a').udpBind(4000);
  tx.setMulticastTTL(8);
  tx.send('two hops', 5000, G);
  net.runUntilIdle();
  assert.deepEqual(got.map((g) => `${g.data} from ${g.from}`), ['two hops from 10.1.0.2']);
  assert.deepEqual(ttls, [6]);
  assert.deepEqual((call('mroute.ls', { router: 'lab' }) as MrouteView[]).map((r) => r.packets), [1]);
});
