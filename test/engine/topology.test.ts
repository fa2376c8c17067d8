// Building topologies: address allocation over the whole prefix, static
// addresses, refusals with clear errors, interface names, 10,000 hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../../src/engine/network.js';
import { formatIpv4 } from '../../src/wire/addr.js';
import { formatMac } from '../../src/engine/mac.js';
import { collect } from '../helpers.js';

function root(): Network {
  const net = new Network({ clock: 'virtual' });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  return net;
}

test('gateway is the first usable address; hosts follow', () => {
  const net = root();
  const home = net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24' });
  assert.equal(formatIpv4(home.gateway), '192.168.1.1');
  assert.equal(net.addHost({ name: 'a', router: 'home' }).ip, '192.168.1.2');
  assert.equal(net.addHost({ name: 'b', router: 'home' }).ip, '192.168.1.3');
});

test('the root (0.0.0.0/0) allocates public-looking addresses, skipping special-purpose ranges', () => {
  const net = root();
  const r = net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24' });
  assert.equal(formatIpv4(r.uplink!.addresses[0]), '1.0.0.1');
});

test('the root\'s default gateway is 192.0.2.1 (TEST-NET-1), nobody\'s real address; other subnets take their first', () => {
  const net = root();
  assert.equal(formatIpv4(net.router('internet').gateway), '192.0.2.1');
  assert.throws(() => net.addHost({ name: 'h', router: 'internet', ips: ['192.0.2.1'] }), /192\.0\.2\.1 is already used by internet\/lan/);
  const lab = new Network({ clock: 'virtual' });
  assert.equal(formatIpv4(lab.addRouter({ name: 'lab', cidr: '10.0.0.0/8' }).gateway), '10.0.0.1');
  const chosen = new Network({ clock: 'virtual' });
  assert.equal(formatIpv4(chosen.addRouter({ name: 'internet', cidr: '0.0.0.0/0', gateway: '198.51.100.1' }).gateway), '198.51.100.1');
});

test('allocation covers the whole prefix, not just 254 addresses (skipping .0 and .255 in wide prefixes)', () => {
  const net = root();
  net.addRouter({ name: 'big', parent: 'internet', cidr: '10.0.0.0/22' });
  let last = '';
  for (let i = 0; i < 1015; i++) last = net.addHost({ name: `h${i}`, router: 'big' }).ip;
  assert.equal(last, '10.0.3.254');
  assert.throws(() => net.addHost({ name: 'one-too-many', router: 'big' }), /10\.0\.0\.0\/22 has no free address left \(1016 in use\)/);
});

test('static addresses: duplicates, outside the subnet, network and broadcast are refused', () => {
  const net = root();
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24' });
  net.addHost({ name: 'a', router: 'home', ips: ['192.168.1.10'] });
  assert.throws(() => net.addHost({ name: 'b', router: 'home', ips: ['192.168.1.10'] }), /192\.168\.1\.10 is already used by a;/);
  assert.throws(() => net.addHost({ name: 'c', router: 'home', ips: ['10.0.0.1'] }), /10\.0\.0\.1 is outside 192\.168\.1\.0\/24/);
  assert.throws(() => net.addHost({ name: 'd', router: 'home', ips: ['192.168.1.255'] }), /broadcast address/);
  assert.throws(() => net.addHost({ name: 'e', router: 'home', ips: ['192.168.1.300'] }), /not an IPv4 address/);
  assert.equal(net.hosts.length, 1, 'nothing half-added');
  assert.equal(net.addHost({ name: 'f', router: 'home' }).ip, '192.168.1.2');
});

test('several addresses per uplink; NAT pools over them', () => {
  const net = root();
  const r = net.addRouter({ name: 'cgn', parent: 'internet', cidr: '100.64.0.0/10', ips: ['203.0.113.1', '203.0.113.2'] });
  assert.deepEqual(r.uplink!.addresses.map(formatIpv4), ['203.0.113.1', '203.0.113.2']);
});

test('refusals: bad CIDR, host bits, unknown parent, duplicate names, second root, self-parent, overlaps', () => {
  const net = root();
  assert.throws(() => net.addRouter({ name: 'x', parent: 'internet', cidr: '10.0.0.0/33' }), /not a CIDR prefix|prefix length/);
  assert.throws(() => net.addRouter({ name: 'x', parent: 'internet', cidr: '10.0.0.1/24' }), /host bits set; the prefix is 10\.0\.0\.0\/24/);
  assert.throws(() => net.addRouter({ name: 'x', parent: 'nowhere', cidr: '10.0.0.0/24' }), /no router named "nowhere"/);
  assert.throws(() => net.addRouter({ name: 'x', cidr: '10.0.0.0/24' }), /internet is already the root/);
  assert.throws(() => net.addRouter({ name: 'x', parent: 'x', cidr: '10.0.0.0/24' }), /no router named "x"|own parent/);
  assert.throws(() => net.addRouter({ name: 'internet', parent: 'internet', cidr: '10.0.0.0/24' }), /already exists/);
  assert.throws(() => net.addRouter({ name: 'bad/name', parent: 'internet', cidr: '10.0.0.0/24' }), /not a valid node name/);
  net.addRouter({ name: 'isp', parent: 'internet', cidr: '100.64.0.0/16', nat: 'none' });
  assert.throws(() => net.addRouter({ name: 'isp2', parent: 'internet', cidr: '100.64.128.0/17', nat: 'none' }), /overlaps the routed subnet 100\.64\.0\.0\/16/);
  net.addRouter({ name: 'carrier', parent: 'internet', cidr: '10.0.0.0/8' });
  assert.throws(() => net.addRouter({ name: 'home', parent: 'carrier', cidr: '10.1.0.0/16' }), /overlaps 10\.0\.0\.0\/8 of its parent carrier/);
  assert.throws(() => net.addRouter({ name: 'root-nat', parent: 'internet', cidr: '10.9.0.0/16', nat: 'none', ips: ['10.9.0.5'] }), /outside|inside its own subnet|special|10\.9\.0\.5/);
  assert.deepEqual(net.routers.map((r) => r.name), ['internet', 'isp', 'carrier']);
});

test('two homes may use the same private subnet behind their NATs', () => {
  const net = root();
  net.addRouter({ name: 'h1', parent: 'internet', cidr: '192.168.0.0/24' });
  net.addRouter({ name: 'h2', parent: 'internet', cidr: '192.168.0.0/24' });
  assert.equal(net.addHost({ name: 'a', router: 'h1' }).ip, net.addHost({ name: 'b', router: 'h2' }).ip);
});

test('interfaces: NODE/IFACE names, defaults, stable MACs, VLAN tags', () => {
  const net = root();
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', vlan: [100, 20] });
  net.addHost({ name: 'a', router: 'home', mac: '02:00:00:00:00:0a' });
  assert.equal(net.iface('home').fullName, 'home/uplink');
  assert.equal(net.iface('internet').fullName, 'internet/lan');
  assert.equal(net.iface('a').fullName, 'a/eth0');
  assert.equal(formatMac(net.iface('a').mac), '02:00:00:00:00:0a');
  assert.deepEqual(net.iface('home/lan').vlan, [100, 20]);
  const again = new Network({ clock: 'virtual' });
  again.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  again.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24' });
  assert.equal(formatMac(net.iface('home/uplink').mac), formatMac(again.iface('home/uplink').mac), 'derived from the name');
  assert.equal(net.iface('home/uplink').mac[0] & 3, 2, 'locally administered unicast');
  assert.throws(() => net.iface('home/wan'), /home has no interface "wan"; it has lan, uplink/);
  assert.throws(() => net.addRouter({ name: 'v', parent: 'internet', cidr: '10.5.0.0/24', vlan: [4095] }), /VLAN ID 4095 is not 1-4094/);
  assert.throws(() => net.addHost({ name: 'm', router: 'home', mac: '01:00:00:00:00:01' }), /group \(multicast\) address/);
});

test('10,000 hosts, each with a bound socket, all reachable', () => {
  const net = root();
  net.addRouter({ name: 'campus', parent: 'internet', cidr: '10.0.0.0/16', nat: 'full-cone' });
  const hosts = [];
  for (let i = 0; i < 10_000; i++) {
    const h = net.addHost({ name: `h${i}`, router: 'campus' });
    h.udpBind(5000);
    hosts.push(h);
  }
  assert.equal(hosts[9999].ip, '10.0.39.95', '253 in the first /24 (after the gateway), then 254 per /24');
  const server = net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  const got = collect(server.udpBind(7000), net);
  for (let i = 0; i < 10_000; i += 1000) hosts[i].createSocket('udp4').send('x', 7000, '198.51.100.7');
  net.runUntilIdle();
  assert.equal(got.length, 10);
});
