// IP forwarding: TTL per hop, ICMP time exceeded and unreachable, MTU,
// switching on a LAN, routed (non-NAT) child subnets, router delay and queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../../src/engine/network.js';
import { collect } from '../helpers.js';
import { formatIpv4 } from '../../src/wire/addr.js';
import { ICMP_DEST_UNREACHABLE, ICMP_TIME_EXCEEDED, UNREACH_FRAG_NEEDED, UNREACH_HOST } from '../../src/wire/packet.js';
import type { IcmpMessage } from '../../src/engine/node.js';
import type { IcmpNotice } from '../../src/engine/socket.js';

/** internet ← isp (routed, no NAT) ← home (NAT) ← alice; server on the internet. */
function chain(): Network {
  const net = new Network({ clock: 'virtual' });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'isp', parent: 'internet', cidr: '100.64.0.0/16', ips: ['198.51.100.254'], nat: 'none' });
  net.addRouter({ name: 'home', parent: 'isp', cidr: '192.168.1.0/24', nat: 'port-restricted' });
  net.addHost({ name: 'alice', router: 'home' });
  net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  net.addHost({ name: 'ispbox', router: 'isp' });
  return net;
}

test('TTL is decremented once per routing hop; LAN switching keeps it', () => {
  const net = chain();
  const ttls: number[] = [];
  net.iface('server/eth0').addTap({ packet: (p, dir) => { if (dir === 'in') ttls.push(p.ttl); } });
  net.host('server').udpBind(7000);
  net.host('alice').udpBind(4000).send('x', 7000, '198.51.100.7');
  net.runUntilIdle();
  // alice → home (routes: 63) → isp (routes: 62) → internet LAN (switched to the server: 62)
  assert.deepEqual(ttls, [62]);
});

test('routed child subnet: the server reaches a host inside a non-NAT router by its own address', () => {
  const net = chain();
  const box = net.host('ispbox');
  assert.equal(box.ip, '100.64.0.3', 'after the gateway and home\'s uplink');
  const got = collect(box.udpBind(9000), net);
  net.host('server').udpBind(7000).send('to isp customer', 9000, box.ip);
  net.runUntilIdle();
  assert.deepEqual(got.map((r) => `${r.data} from ${r.from}`), ['to isp customer from 198.51.100.7']);
});

test('TTL expiry answers ICMP time exceeded from the router, quoting the packet', () => {
  const net = chain();
  const alice = net.host('alice');
  const s = alice.udpBind(4000);
  const notices: IcmpNotice[] = [];
  s.on('icmp', (n: IcmpNotice) => notices.push(n));
  s.setTTL(2);
  s.send('short-lived', 7000, '198.51.100.7');
  net.runUntilIdle();
  assert.equal(notices.length, 1);
  assert.equal(notices[0].type, ICMP_TIME_EXCEEDED);
  assert.equal(notices[0].from, formatIpv4(net.router('isp').lan.addresses[0]), 'the second router answers');
  assert.equal(net.iface('isp/lan').stats.drops.get('ttl-exceeded'), 1);
});

test('traceroute-style probes see every router on the path', () => {
  const net = chain();
  const alice = net.host('alice');
  const seen: string[] = [];
  alice.onIcmp((m: IcmpMessage) => seen.push(`${m.type} ${formatIpv4(m.from)}`));
  for (let ttl = 1; ttl <= 3; ttl++) alice.sendEcho('198.51.100.7', { id: 9, seq: ttl, ttl });
  net.runUntilIdle();
  assert.deepEqual(seen, [
    `11 ${formatIpv4(net.router('home').gateway)}`,
    `11 ${formatIpv4(net.router('isp').gateway)}`,
    '0 198.51.100.7',
  ]);
});

test('no host at an on-link address: ICMP host unreachable and a no-neighbor drop', () => {
  const net = chain();
  const s = net.host('server').udpBind(7000);
  const notices: IcmpNotice[] = [];
  s.on('icmp', (n: IcmpNotice) => notices.push(n));
  s.send('nobody', 9, '100.64.0.200');
  net.runUntilIdle();
  assert.deepEqual(notices.map((n) => [n.type, n.code]), [[ICMP_DEST_UNREACHABLE, UNREACH_HOST]]);
  assert.equal(net.iface('isp/uplink').stats.drops.get('no-neighbor'), 1);
});

test('MTU: a packet without DF larger than the egress MTU is fragmented and delivered; nobody is told', () => {
  // Linux (veth router, mtu 1400 on the far side): a 1478-byte datagram without DF arrives in 2 fragments.
  const net = new Network({ clock: 'virtual' });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'tunnel', parent: 'internet', cidr: '10.9.0.0/24', nat: 'full-cone', mtu: 1400 });
  net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  const inside = net.addHost({ name: 'inside', router: 'tunnel', mtu: 1500 });
  const atServer = collect(net.host('server').udpBind(7000), net);
  const out = inside.udpBind(5002);
  out.setMtuDiscover('dont');
  const notices: IcmpNotice[] = [];
  out.on('icmp', (n: IcmpNotice) => notices.push(n));
  out.send(Buffer.alloc(1450, 7), 7000, '198.51.100.7');
  out.send(Buffer.alloc(1372), 7000, '198.51.100.7');
  net.runUntilIdle();
  assert.deepEqual(atServer.map((r) => r.data.length), [1450, 1372], 'both arrive, the first in fragments');
  assert.equal(net.iface('tunnel/uplink').stats.txPackets, 3, '2 fragments + 1 whole datagram');
  assert.equal(net.iface('tunnel/uplink').stats.drops.get('mtu'), undefined);
  assert.equal(notices.length, 0);
});

test('MTU with DF: ICMP fragmentation needed carries the next-hop MTU', () => {
  const net = new Network({ clock: 'virtual' });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'tunnel', parent: 'internet', cidr: '10.9.0.0/24', nat: 'full-cone', mtu: 1400 });
  const inside = net.addHost({ name: 'inside', router: 'tunnel', mtu: 1500 });
  net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  const s = inside.udpBind(5000);
  s.setDontFragment(true);
  const notices: IcmpNotice[] = [];
  s.on('icmp', (n: IcmpNotice) => notices.push(n));
  s.send(Buffer.alloc(1450), 7000, '198.51.100.7');
  net.runUntilIdle();
  assert.deepEqual(notices.map((n) => [n.type, n.code, n.mtu]), [[ICMP_DEST_UNREACHABLE, UNREACH_FRAG_NEEDED, 1400]]);
});

test('router-wide delay and jitter keep order; the router queue is bounded', () => {
  const net = new Network({ clock: 'virtual', seed: 5 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'slow', parent: 'internet', cidr: '10.1.0.0/24', nat: 'full-cone', minDelay: '10ms', maxJitter: '5ms', queueSize: 50 });
  net.addHost({ name: 'a', router: 'slow' });
  net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  const got = collect(net.host('server').udpBind(7000), net);
  const s = net.host('a').udpBind(4000);
  for (let i = 0; i < 80; i++) s.send(String(i), 7000, '198.51.100.7');
  net.runUntilIdle();
  assert.equal(got.length, 50);
  assert.deepEqual(got.map((r) => Number(r.data)), Array.from({ length: 50 }, (_, i) => i), 'order kept');
  for (const r of got) assert.ok(r.time >= 10e6 && r.time <= 15e6, `delivered at ${r.time} ns, want 10-15 ms`);
  assert.equal(net.iface('slow/lan').stats.drops.get('router-queue-full'), 30);
});

test('removing a host under traffic: in-flight packets are dropped and counted, the rest keeps working', () => {
  const net = chain();
  net.addFilter('internet/lan', { delay: '50ms' });
  const server = net.host('server');
  const got = collect(server.udpBind(7000), net);
  const s = net.host('alice').udpBind(4000);
  for (let i = 0; i < 5; i++) s.send(String(i), 7000, '198.51.100.7');
  net.advance('10ms');
  net.remove('server');
  net.runUntilIdle();
  assert.equal(got.length, 0);
  assert.equal(net.iface('internet/lan').stats.drops.get('no-neighbor'), 5);
  const again = net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  const got2 = collect(again.udpBind(7000), net);
  s.send('after', 7000, '198.51.100.7');
  net.runUntilIdle();
  assert.deepEqual(got2.map((r) => r.data), ['after']);
});

test('removing a router removes its subtree and frees its uplink address', () => {
  const net = chain();
  const removed = net.remove('isp');
  assert.deepEqual(removed.sort(), ['alice', 'home', 'isp', 'ispbox']);
  assert.deepEqual(net.routers.map((r) => r.name), ['internet']);
  const again = net.addRouter({ name: 'isp2', parent: 'internet', cidr: '100.64.0.0/16', ips: ['198.51.100.254'], nat: 'none' });
  assert.equal(formatIpv4(again.uplink!.addresses[0]), '198.51.100.254');
});

/**
 * A host on the root LAN and a host inside a routed child whose uplink sits on that LAN. Linux 6.x,
 * measured in namespaces (a bridge as the root LAN; host and child router with default routes via
 * the root router; ping both ways): the first packet host → child goes via the root router (62 at
 * the far host) and the root router sends an ICMP redirect; the host takes it (its route cache shows
 * "redirected, expires 300sec") and sends straight to the child router from then on: 63. The reply
 * path is one hop from the child router to the host on its own LAN: 63. (With a point-to-point link
 * per router instead of a shared LAN, Linux gives 62/62: the root router is then between them.)
 */
test('hops as on a real LAN: a redirect from the root router, then one hop each way (63/63)', () => {
  const net = new Network({ clock: 'virtual' });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'c', parent: 'internet', cidr: '100.64.0.0/16', ips: ['198.51.100.254'], nat: 'none' });
  const far = net.addHost({ name: 'far', router: 'c' });
  const near = net.addHost({ name: 'near', router: 'internet', ips: ['198.51.100.7'] });
  const seen: string[] = [];
  const kind = (t: number): string => (t === 5 ? 'redirect' : t === 8 ? 'request' : 'reply');
  net.iface('near/eth0').addTap({ packet: (p, dir) => { if (dir === 'in') seen.push(`near got ${kind(p.icmpType)} ttl ${p.ttl}`); } });
  net.iface('far/eth0').addTap({ packet: (p, dir) => { if (dir === 'in') seen.push(`far got ${kind(p.icmpType)} ttl ${p.ttl}`); } });
  const redirects: IcmpMessage[] = [];
  near.onIcmp((m) => { if (m.type === 5) redirects.push(m); });
  for (let seq = 1; seq <= 2; seq++) {
    near.sendEcho(far.ip, { id: 1, seq });
    net.runUntilIdle();
  }
  far.sendEcho(near.ip, { id: 2, seq: 1 });
  net.runUntilIdle();
  assert.deepEqual(seen, [
    'near got redirect ttl 64', // Linux: the root router forwards the first packet and redirects the host
    'far got request ttl 62', // Linux: 62 (host → root router → child router → far)
    'near got reply ttl 63', // Linux: 63 (far → child router → near, on the child router's LAN)
    'far got request ttl 63', // Linux: 63 once the redirect is taken (host → child router → far)
    'near got reply ttl 63',
    'near got request ttl 63', // far's own ping: Linux 63 one way...
    'far got reply ttl 63', // ...and 63 back
  ]);
  assert.equal(redirects.length, 1, 'one redirect: the host sends straight to the child router after it');
  assert.equal(redirects[0].code, 1, 'code 1: redirect for the host');
  assert.equal(formatIpv4(redirects[0].from), formatIpv4(net.router('internet').gateway));
});
