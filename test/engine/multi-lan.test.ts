// Routers with several LANs: routing between them (TTL-1), ICMP errors from the receiving interface,
// NAT from any LAN with hairpinning across LANs, per-LAN addresses, routed children and redirects on
// any LAN, filters and counters on every LAN, the overlap rules, removing a LAN, the multicast hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../../src/engine/network.js';
import { VnetError } from '../../src/engine/errors.js';
import type { IcmpMessage } from '../../src/engine/node.js';
import type { Packet } from '../../src/wire/packet.js';
import { formatIpv4, parseIpv4 } from '../../src/wire/addr.js';
import { ICMP_DEST_UNREACHABLE, ICMP_REDIRECT, ICMP_TIME_EXCEEDED, UNREACH_HOST } from '../../src/wire/packet.js';
import { collect } from '../helpers.js';

const SERVER = '198.51.100.7';
const OFFICE_UPLINK = '203.0.113.5';

/** internet ← office (NAT, 203.0.113.5) with lan 10.1.0.0/24 (a), lan2 10.2.0.0/24 (b), lan3 10.3.0.0/24 gateway .254 (c). */
function office(): Network {
  const net = new Network({ clock: 'virtual', seed: 7 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'office', parent: 'internet', cidr: '10.1.0.0/24', ips: [OFFICE_UPLINK], nat: 'port-restricted' });
  net.addLan({ router: 'office', cidr: '10.2.0.0/24' });
  net.addLan({ router: 'office', cidr: '10.3.0.0/24', gateway: '10.3.0.254' });
  net.addHost({ name: 'server', router: 'internet', ips: [SERVER] });
  net.addHost({ name: 'a', router: 'office' });
  net.addHost({ name: 'b', router: 'office', lan: 'lan2' });
  net.addHost({ name: 'c', router: 'office', lan: 'lan3' });
  return net;
}

function errorOf(fn: () => unknown): VnetError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof VnetError, `want a VnetError, got ${String(err)}`);
    return err;
  }
  assert.fail('no error thrown');
}

function icmpOf(net: Network, host: string): IcmpMessage[] {
  const got: IcmpMessage[] = [];
  net.host(host).onIcmp((m) => got.push(m));
  return got;
}

test('LANs get default names lan2, lan3, their own gateways, and addresses are allocated per LAN', () => {
  const net = office();
  const r = net.router('office');
  assert.deepEqual(r.lans.list.map((l) => `${l.name} ${l.cidr} ${formatIpv4(l.gateway)}`), [
    'lan 10.1.0.0/24 10.1.0.1', 'lan2 10.2.0.0/24 10.2.0.1', 'lan3 10.3.0.0/24 10.3.0.254',
  ]);
  assert.deepEqual(r.interfaces().map((i) => i.name), ['lan', 'uplink', 'lan2', 'lan3']);
  assert.deepEqual(['a', 'b', 'c'].map((h) => net.host(h).ip), ['10.1.0.2', '10.2.0.2', '10.3.0.1']);
  // An address picks its LAN; --lan picks one; the next free address of that LAN otherwise.
  assert.equal(net.addHost({ name: 'b2', router: 'office', ips: ['10.2.0.50'] }).attachment.name, 'lan2');
  assert.equal(net.addHost({ name: 'b3', router: 'office', lan: 'lan2' }).ip, '10.2.0.3');
  assert.equal(net.addHost({ name: 'a2', router: 'office' }).ip, '10.1.0.3');
  assert.equal(net.iface('b/eth0').peerInterface, net.iface('office/lan2'));
  assert.match(errorOf(() => net.addHost({ name: 'x', router: 'office', ips: ['10.9.0.5'] })).message,
    /address of x: 10\.9\.0\.5 is in none of office's LANs \(lan 10\.1\.0\.0\/24, lan2 10\.2\.0\.0\/24, lan3 10\.3\.0\.0\/24\)/);
  assert.equal(errorOf(() => net.addHost({ name: 'x', router: 'office', lan: 'lan9' })).message,
    'router office has no LAN "lan9"; its LANs: lan, lan2, lan3');
  assert.equal(errorOf(() => net.addHost({ name: 'x', router: 'office', lan: 'lan2', ips: ['10.1.0.77'] })).code, 'EADDRNOTAVAIL');
});

test('between two LANs of one router a packet is routed: TTL-1, source kept (no NAT inside)', () => {
  const net = office();
  const ttls: number[] = [];
  net.iface('b/eth0').addTap({ packet: (p, dir) => { if (dir === 'in') ttls.push(p.ttl); } });
  const got = collect(net.host('b').udpBind(7000), net);
  net.host('a').udpBind(4000).send('across', 7000, '10.2.0.2');
  net.runUntilIdle();
  assert.deepEqual(got.map((g) => `${g.data} from ${g.from}:${g.port}`), ['across from 10.1.0.2:4000']);
  assert.deepEqual(ttls, [63]);
  assert.equal(net.iface('office/lan').stats.rxPackets, 1);
  assert.equal(net.iface('office/lan2').stats.txPackets, 1);
  assert.equal(net.iface('office/lan3').stats.txPackets, 0);
  assert.equal(net.iface('office/uplink').stats.txPackets, 0);
});

test('TTL expiry between LANs: time exceeded from the address of the interface the packet came in on', () => {
  const net = office();
  const fromA = icmpOf(net, 'a');
  const fromB = icmpOf(net, 'b');
  const sa = net.host('a').udpBind(4000);
  sa.setTTL(1);
  sa.send('x', 7000, '10.2.0.2');
  const sb = net.host('b').udpBind(4000);
  sb.setTTL(1);
  sb.send('x', 7000, '10.3.0.1');
  net.runUntilIdle();
  assert.deepEqual(fromA.map((m) => [m.type, formatIpv4(m.from)]), [[ICMP_TIME_EXCEEDED, '10.1.0.1']]);
  assert.deepEqual(fromB.map((m) => [m.type, formatIpv4(m.from)]), [[ICMP_TIME_EXCEEDED, '10.2.0.1']]);
  assert.equal(net.iface('office/lan').stats.drops.get('ttl-exceeded'), 1);
  assert.equal(net.iface('office/lan2').stats.drops.get('ttl-exceeded'), 1);
  // The same TTL 1 to a neighbour on the same LAN is switched, not routed: it arrives.
  const got = collect(net.host('b').udpBind(7001), net);
  const sb2 = net.addHost({ name: 'b2', router: 'office', lan: 'lan2' }).udpBind(4000);
  sb2.setTTL(1);
  sb2.send('same LAN', 7001, '10.2.0.2');
  net.runUntilIdle();
  assert.deepEqual(got.map((g) => g.data), ['same LAN']);
});

test('host unreachable on another LAN: the error comes from the receiving interface, and names the quoted packet', () => {
  const net = office();
  const fromB = icmpOf(net, 'b');
  net.host('b').udpBind(4000).send('nobody', 7000, '10.3.0.99');
  net.runUntilIdle();
  assert.equal(fromB.length, 1);
  assert.deepEqual([fromB[0].type, fromB[0].code, formatIpv4(fromB[0].from), formatIpv4(fromB[0].quoted!.dst)],
    [ICMP_DEST_UNREACHABLE, UNREACH_HOST, '10.2.0.1', '10.3.0.99']);
  assert.equal(net.iface('office/lan2').stats.drops.get('no-neighbor'), 1);
});

test('NAT: every LAN is inside; traffic from lan2 and lan3 leaves with the uplink address and the replies come back', () => {
  const net = office();
  const echo = net.host('server').udpBind(7000);
  const seen: string[] = [];
  echo.on('message', (msg: Buffer, r: { address: string; port: number }) => {
    seen.push(r.address);
    echo.send(msg, r.port, r.address);
  });
  const gotB = collect(net.host('b').udpBind(5000), net);
  const gotC = collect(net.host('c').udpBind(5000), net);
  net.host('b').ports.sockets()[0].send('from lan2', 7000, SERVER);
  net.host('c').ports.sockets()[0].send('from lan3', 7000, SERVER);
  net.runUntilIdle();
  assert.deepEqual(seen, [OFFICE_UPLINK, OFFICE_UPLINK]);
  assert.deepEqual(gotB.map((g) => `${g.data} ${g.from}`), [`from lan2 ${SERVER}`]);
  assert.deepEqual(gotC.map((g) => `${g.data} ${g.from}`), [`from lan3 ${SERVER}`]);
  const internals = net.router('office').nat!.records().map((m) => formatIpv4(m.internalIp)).sort();
  assert.deepEqual(internals, ['10.2.0.2', '10.3.0.1']);
});

test('hairpinning across LANs: a host on lan2 reaches a host on lan through the NAT\'s external address', () => {
  const net = office();
  net.setNat('office', 'full-cone');
  const a = net.host('a').udpBind(4000);
  const gotA = collect(a, net);
  net.host('server').udpBind(7000);
  a.send('open', 7000, SERVER);
  net.runUntilIdle();
  const m = net.router('office').nat!.records().find((r) => formatIpv4(r.internalIp) === '10.1.0.2')!;
  const b = net.host('b').udpBind(5000);
  b.send('hairpin', m.externalPort, OFFICE_UPLINK);
  net.runUntilIdle();
  assert.equal(gotA.length, 1);
  assert.equal(gotA[0].data, 'hairpin');
  assert.equal(gotA[0].from, OFFICE_UPLINK, 'with the external source (RFC 4787 REQ-9)');
  const bMapping = net.router('office').nat!.records().find((r) => formatIpv4(r.internalIp) === '10.2.0.2')!;
  assert.equal(gotA[0].port, bMapping.externalPort);
});

test('hairpin disabled: the drop is counted on the LAN the packet came in on', () => {
  const net = office();
  net.setNat('office', { preset: 'port-restricted', hairpin: false });
  const a = net.host('a').udpBind(4000);
  net.host('server').udpBind(7000);
  a.send('open', 7000, SERVER);
  net.runUntilIdle();
  const m = net.router('office').nat!.records()[0];
  net.host('b').udpBind(5000).send('hairpin', m.externalPort, OFFICE_UPLINK);
  net.runUntilIdle();
  assert.equal(net.iface('office/lan2').stats.drops.get('hairpin-disabled'), 1);
  assert.equal(net.iface('office/lan').stats.drops.get('hairpin-disabled'), undefined);
});

test('a routed (non-NAT) child router on lan2: reached from lan (two routing hops), NATed on the way out', () => {
  const net = office();
  net.addRouter({ name: 'lab', parent: 'office', parentLan: 'lan2', cidr: '10.20.0.0/24', nat: 'none' });
  assert.equal(net.router('lab').uplink!.peerInterface, net.iface('office/lan2'));
  assert.equal(formatIpv4(net.router('lab').uplink!.addresses[0]), '10.2.0.3', 'allocated on lan2');
  const d = net.addHost({ name: 'd', router: 'lab' });
  const ttls: number[] = [];
  net.iface('d/eth0').addTap({ packet: (p, dir) => { if (dir === 'in') ttls.push(p.ttl); } });
  const got = collect(d.udpBind(9000), net);
  net.host('a').udpBind(4000).send('to the lab', 9000, d.ip);
  net.runUntilIdle();
  assert.deepEqual(got.map((g) => `${g.data} ${g.from}`), ['to the lab 10.1.0.2']);
  assert.deepEqual(ttls, [62]);
  const seen: string[] = [];
  net.host('server').udpBind(7000).on('message', (_m: Buffer, r: { address: string }) => seen.push(r.address));
  d.ports.sockets()[0].send('out', 7000, SERVER);
  net.runUntilIdle();
  assert.deepEqual(seen, [OFFICE_UPLINK]);
  assert.match(errorOf(() => new Network().addRouter({ name: 'orphan', parentLan: 'lan2', cidr: '10.99.0.0/24' })).message, /router orphan has no parent, so no parent LAN "lan2"/);
  // --ip alone picks the parent's LAN too.
  assert.equal(net.addRouter({ name: 'lab2', parent: 'office', ips: ['10.3.0.9'], cidr: '10.30.0.0/24', nat: 'none' }).parentLan!.name, 'lan3');
});

test('redirects: only when the routed child sits on the sender\'s own LAN (as Linux: in and out by one interface)', () => {
  const net = office();
  net.addRouter({ name: 'lab', parent: 'office', parentLan: 'lan2', cidr: '10.20.0.0/24', nat: 'none' });
  const d = net.addHost({ name: 'd', router: 'lab' });
  d.udpBind(9000);
  const fromA = icmpOf(net, 'a');
  const fromB = icmpOf(net, 'b');
  net.host('a').udpBind(4000).send('x', 9000, d.ip);
  net.host('b').udpBind(4000).send('x', 9000, d.ip);
  net.runUntilIdle();
  assert.deepEqual(fromA, [], 'lab is on another LAN: routed, no redirect');
  assert.deepEqual(fromB.map((m) => [m.type, formatIpv4(m.from), formatIpv4(m.id * 65536 + m.seq)]), [[ICMP_REDIRECT, '10.2.0.1', '10.2.0.3']]);
  // b's next packet goes straight to lab: switched on lan2, TTL kept at office.
  const ttls: number[] = [];
  net.iface('d/eth0').addTap({ packet: (p, dir) => { if (dir === 'in') ttls.push(p.ttl); } });
  net.host('b').ports.sockets()[0].send('y', 9000, d.ip);
  net.runUntilIdle();
  assert.deepEqual(ttls, [63]);
});

test('filters and counters work on any LAN interface', () => {
  const net = office();
  net.addFilter('office/lan2', { loss: 100 });
  const got = collect(net.host('b').udpBind(7000), net);
  net.host('a').udpBind(4000).send('lost', 7000, '10.2.0.2');
  net.runUntilIdle();
  assert.deepEqual(got, []);
  assert.equal(net.iface('office/lan').stats.rxPackets, 1);
  assert.equal(net.iface('office/lan2').stats.drops.get('loss'), 1);
  assert.equal(net.iface('office/lan2').stats.txPackets, 0);
});

test('names per router are seen from every LAN', () => {
  const net = office();
  net.addName('intranet.example', '10.1.0.2', 'office');
  assert.equal(formatIpv4(net.host('b').resolve('intranet.example')), '10.1.0.2');
  assert.equal(formatIpv4(net.host('c').resolve('a')), '10.1.0.2');
  assert.equal(formatIpv4(net.host('a').resolve('server')), SERVER);
});

test('overlaps are refused: with another LAN, with routed or NATed subnets below, with the parent\'s LANs, the uplink', () => {
  const net = office();
  net.addRouter({ name: 'lab', parent: 'office', parentLan: 'lan2', cidr: '10.20.0.0/24', nat: 'none' });
  net.addRouter({ name: 'home', parent: 'office', cidr: '192.168.7.0/24' });
  const cases: [string, () => unknown, RegExp][] = [
    ['another LAN', () => net.addLan({ router: 'office', cidr: '10.2.0.128/25' }), /subnet 10\.2\.0\.128\/25 overlaps 10\.2\.0\.0\/24 of office\/lan2; LANs of one router must not overlap/],
    ['a routed child', () => net.addLan({ router: 'office', cidr: '10.20.0.0/16' }), /overlaps the routed subnet 10\.20\.0\.0\/24 below office/],
    ['a NATed child', () => net.addLan({ router: 'office', cidr: '192.168.0.0/16' }), /overlaps 192\.168\.7\.0\/24 of home\/lan, behind the NAT of home/],
    ['the NAT parent\'s LAN', () => net.addLan({ router: 'home', cidr: '10.3.0.0/24' }), /subnet 10\.3\.0\.0\/24 of home overlaps 10\.3\.0\.0\/24 of its parent office; a NAT's inside/],
    ['the root\'s 0.0.0.0/0', () => net.addLan({ router: 'internet', cidr: '172.16.0.0/12' }), /overlaps 0\.0\.0\.0\/0 of internet\/lan/],
    ['a routed router\'s parent LAN', () => net.addLan({ router: 'lab', cidr: '10.1.0.0/25' }), /holds 10\.1\.0\.1, the gateway of office; pick a subnet that leaves it out/],
    ['a host of the parent', () => net.addLan({ router: 'lab', cidr: '10.1.0.0/30' }), /holds 10\.1\.0\.1|holds 10\.1\.0\.2 of host a/],
    ['the uplink address', () => net.addLan({ router: 'lab', cidr: '10.2.0.0/30' }), /subnet 10\.2\.0\.0\/30 holds 10\.2\.0\.3, the uplink address of lab/],
    ['a child NAT inside over lan3', () => net.addRouter({ name: 'y', parent: 'office', cidr: '10.3.0.0/16' }), /overlaps 10\.3\.0\.0\/24 of its parent office/],
  ];
  for (const [name, fn, want] of cases) {
    const e = errorOf(fn);
    assert.equal(e.code, 'EINVAL', `${name}: ${e.message}`);
    assert.match(e.message, want, name);
  }
  assert.equal(net.router('office').lans.list.length, 3, 'nothing was added');
  // Behind office's NAT, its LANs are private: a routed subnet elsewhere may reuse them.
  net.addRouter({ name: 'elsewhere', parent: 'internet', cidr: '10.2.0.0/16', nat: 'none' });
  assert.equal(errorOf(() => net.addLan({ router: 'office', name: 'lan2', cidr: '10.9.0.0/24' })).code, 'EEXIST');
  assert.equal(errorOf(() => net.addLan({ router: 'office', name: 'uplink', cidr: '10.9.0.0/24' })).code, 'EEXIST');
  assert.equal(errorOf(() => net.addLan({ router: 'office', name: 'a/b', cidr: '10.9.0.0/24' })).code, 'EINVAL');
  // A routed router's new LAN is routed by its parent, and carved out of the parent's addresses when inside them.
  net.addLan({ router: 'lab', cidr: '10.21.0.0/24' });
  assert.deepEqual(net.router('office').routedSubnets.map((r) => r.cidr.toString()).sort(), ['10.20.0.0/24', '10.21.0.0/24']);
});

test('removing a LAN: never the first; the hosts and child routers on it go with it', () => {
  const net = office();
  net.addRouter({ name: 'lab', parent: 'office', parentLan: 'lan2', cidr: '10.20.0.0/24', nat: 'none' });
  net.addHost({ name: 'd', router: 'lab' });
  const first = errorOf(() => net.removeLan('office', 'lan'));
  assert.equal(first.code, 'EINVAL');
  assert.equal(first.message, 'office/lan is the router\'s first LAN and cannot be removed; remove the router instead (vnet router rm office)');
  assert.equal(errorOf(() => net.removeLan('office', 'lan7')).code, 'ENOTFOUND');
  assert.deepEqual(net.removeLan('office', 'lan2'), ['d', 'lab', 'b']);
  assert.deepEqual(net.router('office').lans.list.map((l) => l.name), ['lan', 'lan3']);
  assert.deepEqual(net.router('office').routedSubnets, []);
  assert.throws(() => net.iface('office/lan2'), /has no interface "lan2"/);
  // The name and the subnet are free again; a's and c's traffic is untouched.
  net.addLan({ router: 'office', cidr: '10.2.0.0/24' });
  assert.equal(net.addHost({ name: 'b', router: 'office', lan: 'lan2' }).ip, '10.2.0.2');
  const got = collect(net.host('c').udpBind(7000), net);
  net.host('a').udpBind(4000).send('still', 7000, net.host('c').ip);
  net.runUntilIdle();
  assert.deepEqual(got.map((g) => g.data), ['still']);
});

test('the multicast step: group destinations go to the forwarder set on the router, ahead of the unicast lookup', () => {
  const net = office();
  const r = net.router('office');
  const seen: string[] = [];
  r.forwarding.multicast = { forward: (p: Packet, inIf) => seen.push(`${formatIpv4(p.dst)} in ${inIf.fullName} ttl ${p.ttl}`) };
  const sender = net.host('b').udpBind(4000);
  sender.setMulticastTTL(64); // the default is 1, as on Linux: the packet would not leave the LAN
  sender.send('group', 5000, '239.1.1.1');
  net.host('a').udpBind(4000).send('unicast', 7000, '10.2.0.2');
  net.runUntilIdle();
  assert.deepEqual(seen, ['239.1.1.1 in office/lan2 ttl 64']);
  assert.equal(net.iface('office/lan2').stats.txPackets, 1, 'the unicast one still routed');
  // Without a forwarder a group destination takes the unicast path (out by the uplink, as before).
  r.forwarding.multicast = null;
  net.host('b').ports.sockets()[0].send('group', 5000, '239.1.1.1');
  net.runUntilIdle();
  assert.equal(seen.length, 1);
  assert.equal(net.iface('office/uplink').stats.txPackets, 1);
  assert.equal(parseIpv4('239.1.1.1') >>> 28, 14);
  // A forwarder's copies leave through forwardCopy: out by lan3 as they are, by the uplink NATed.
  r.forwarding.multicast = {
    forward: (p: Packet, inIf) => {
      p.ttl--;
      r.forwarding.forwardCopy({ ...p }, net.iface('office/lan3'), inIf);
      r.forwarding.forwardCopy({ ...p }, r.uplink!, inIf);
    },
  };
  const onLan3: string[] = [];
  net.router('office').lans.groupSwitch = (p, lan) => onLan3.push(`${formatIpv4(p.src)} on ${lan.fullName} ttl ${p.ttl}`);
  const out: string[] = [];
  net.iface('office/uplink').addTap({ packet: (p, dir) => { if (dir === 'out') out.push(formatIpv4(p.src)); } });
  net.host('b').ports.sockets()[0].send('fan out', 5000, '239.1.1.1');
  net.runUntilIdle();
  assert.deepEqual(onLan3, ['10.2.0.2 on office/lan3 ttl 63'], 'the LAN switch hands group frames to groupSwitch');
  assert.deepEqual(out, [OFFICE_UPLINK]);
});

test('a routed router with two LANs: its parent routes both; the same MAC may be used on two LANs, not twice on one', () => {
  const net = new Network({ clock: 'virtual' });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'isp', parent: 'internet', cidr: '100.64.0.0/24', nat: 'none' });
  net.addLan({ router: 'isp', name: 'dsl', cidr: '100.64.1.0/24', mac: '02:00:00:00:00:aa' });
  const box = net.addHost({ name: 'box', router: 'isp', lan: 'dsl' });
  net.addHost({ name: 'server', router: 'internet', ips: [SERVER] });
  const got = collect(box.udpBind(9000), net);
  net.host('server').udpBind(7000).send('hello dsl', 9000, box.ip);
  net.runUntilIdle();
  assert.deepEqual(got.map((g) => `${g.data} ${g.from}`), [`hello dsl ${SERVER}`]);
  assert.match(errorOf(() => net.addHost({ name: 'dup', router: 'isp', lan: 'dsl', mac: '02:00:00:00:00:aa' })).message,
    /MAC 02:00:00:00:00:aa of dup\/eth0 is already used by isp\/dsl on the LAN of isp\/dsl/);
  assert.equal(net.addHost({ name: 'ok', router: 'isp', mac: '02:00:00:00:00:aa' }).eth0.peerInterface, net.iface('isp/lan'));
});
