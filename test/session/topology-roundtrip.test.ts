// Export then apply reproduces the network: a network built with commands and library calls,
// exported, applied to a fresh session and exported again gives the same YAML and the same status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeNat, type NatOptions } from '../../src/engine/nat/config.js';
import type { Session } from '../../src/session/session.js';
import { exportTopology, natDocOf } from '../../src/session/topology-export.js';
import { applyEntries } from '../../src/session/topology-entries.js';
import { Network } from '../../src/engine/network.js';
import { parseTopology, validateTopology, type Topology } from '../../src/session/topology.js';
import { apply, ctx, exportYaml, newSession } from '../fixtures/topology/helpers.js';

/** A network using everything a topology file can say, built the way users build it. */
function buildRich(s: Session): void {
  const call = (method: string, params: Record<string, unknown>): unknown => s.call(method, params, ctx);
  call('router.add', { name: 'internet', cidr: '0.0.0.0/0' });
  call('router.add', { name: 'home', parent: 'internet', cidr: '192.168.1.0/24', uplink: { ips: ['203.0.113.10'] }, nat: 'port-restricted' });
  call('router.add', { name: 'cafe', parent: 'internet', cidr: '192.168.1.0/24', nat: 'symmetric', mtu: 1400, vlan: [100, 20] });
  call('router.add', { name: 'office', parent: 'internet', cidr: '172.16.0.0/16', gateway: '172.16.255.254', nat: 'full-cone', minDelay: '5ms', maxJitter: '1.5ms', queueSize: 64 });
  call('router.add', { name: 'lab', parent: 'office', cidr: '10.20.0.0/24', nat: 'none' });
  call('router.add', { name: 'dmz', parent: 'internet', cidr: '10.9.0.0/24', uplink: { ips: ['198.51.100.50', '198.51.100.51'] }, nat: { preset: '1to1', pairs: { '198.51.100.50': '10.9.0.5' } } });
  s.net.addRouter({
    name: 'cgn', parent: 'internet', cidr: '100.64.0.0/16', vlan: [300], icmpRatelimit: '250ms',
    nat: { mapping: 'ad', filtering: 'ei', hairpin: false, lifetime: '90s', portRange: [20000, 29999], allocation: 'random', maxMappings: 5000, portParity: false },
    mac: { lan: '02:aa:00:00:00:01', uplink: '02:aa:00:00:00:02' },
  });
  call('router.add', { name: 'flat', parent: 'home', cidr: '10.0.0.0/24', nat: 'restricted-cone', icmpRatelimit: 0 });
  call('nat.set', { router: 'flat', nat: { portPreservation: true, inboundRefresh: true, lifetime: '2m' } });
  call('host.add', { name: 'alice', router: 'home' });
  call('host.add', { name: 'bob', router: 'cafe', ips: ['192.168.1.77', '192.168.1.78'], mac: '02:00:00:00:00:07' });
  s.net.addHost({ name: 'carol', router: 'office', mtu: 1280 });
  call('host.add', { name: 'dave', router: 'lab', ips: ['10.20.0.9'] });
  call('host.add', { name: 'erin', router: 'dmz', ips: ['10.9.0.5'] });
  call('host.add', { name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  call('host.add', { name: 'phone', router: 'cgn' });
  call('host.add', { name: 'tv', router: 'flat' });
  call('filter.add', { on: 'home/uplink', loss: '2%', delay: '30ms', jitter: '5ms', rate: '4mbit' });
  call('filter.add', { on: 'alice', lossModel: 'gemodel:1%,30%,90%,2%', direction: 'ingress' });
  call('filter.add', { on: 'server', rate: '1mbit', burst: '32kb', queue: '64kb', dropMatch: 'udp and dst port 53' });
  call('filter.add', { on: 'cafe/lan', duplicate: 0.5, delay: '1234567ns', jitter: '2ms', preserveOrder: true, seed: 7 });
  call('filter.add', { on: 'bob', loss: '0.1%', rate: 2_500_000, burst: 5000, overhead: 24 });
  call('filter.add', { on: 'cgn/lan', lossModel: { p: 5, r: 50 } });
  call('dns.add', { name: 'server.example', ip: '198.51.100.7' });
  call('dns.add', { name: 'printer.lan', ip: '192.168.1.50', router: 'home' });
  call('dns.add', { name: 'wiki.corp', ip: '172.16.0.20', router: 'office' });
}

/** What status shows of the network (routers, hosts, filters, names), without the session's start time. */
function networkOf(s: Session): string {
  const { routers, hosts, filters, names } = s.status() as Record<string, unknown>;
  return JSON.stringify({ routers, hosts, filters, names });
}

test('export, apply to a fresh session, export again: the same YAML and the same network', () => {
  const first = newSession(5);
  buildRich(first);
  const yaml = exportYaml(first);
  parseTopology(yaml, 'export.yaml'); // the export validates against the schema

  const second = newSession(5);
  const summary = apply(second, yaml, { fileName: 'export.yaml' });
  assert.equal(summary.created.routers.length, 8);
  assert.equal(summary.created.hosts.length, 8);
  assert.equal(summary.created.filters.length, 6);
  assert.equal(exportYaml(second), yaml);
  assert.equal(networkOf(second), networkOf(first));

  // And applying it back onto the network it came from changes nothing.
  const again = apply(first, yaml);
  assert.deepEqual(again.created, { routers: [], hosts: [], dns: [], filters: [], captures: [] });
  assert.deepEqual(again.changed, { routers: [], hosts: [], dns: [], filters: [], captures: [] });
});

test('the export is readable: defaults left out, presets by name, addresses explicit', () => {
  const s = newSession(5);
  buildRich(s);
  const yaml = exportYaml(s);
  assert.match(yaml, /^version: 1\nclock: virtual\nseed: 5\n/m);
  assert.match(yaml, /- \{ name: internet, cidr: 0\.0\.0\.0\/0 \}/);
  assert.match(yaml, /- \{ name: home, parent: internet, cidr: 192\.168\.1\.0\/24, uplink: \{ ips: \[ 203\.0\.113\.10 \] \} \}/, 'port-restricted is the default');
  assert.match(yaml, /nat: symmetric/);
  assert.match(yaml, /mtu: 1400/);
  assert.match(yaml, /vlan: \[ 100, 20 \]/);
  assert.match(yaml, /gateway: 172\.16\.255\.254/);
  assert.match(yaml, /minDelay: 5ms/);
  assert.match(yaml, /maxJitter: 1\.5ms/);
  assert.match(yaml, /nat: \{ preset: restricted-cone, lifetime: 2m, portPreservation: true, inboundRefresh: true \}/);
  assert.match(yaml, /mac: 02:aa:00:00:00:02/);
  assert.match(yaml, /- \{ name: alice, router: home, ips: \[ 192\.168\.1\.3 \] \}/, 'allocated addresses are written out');
  assert.match(yaml, /- \{ on: home\/uplink, loss: 2%, delay: 30ms, jitter: 5ms, rate: 4mbit \}/, 'the default burst is left out');
  assert.match(yaml, /delay: 1\.234567ms/, 'exact, in one unit');
  assert.match(yaml, /- \{ name: printer\.lan, ip: 192\.168\.1\.50, router: home \}/);
  assert.doesNotMatch(yaml, /direction: egress|queueSize: 1024|mtu: 1500|captures/);
});

test('the JSON topology of export applies the same way', () => {
  const first = newSession(5);
  buildRich(first);
  const { yaml, topology } = first.call('topology.export', {}, ctx) as { yaml: string; topology: Topology };
  validateTopology(JSON.parse(JSON.stringify(topology)));
  const second = newSession(5);
  apply(second, JSON.stringify(topology), { fileName: 'topo.json' });
  assert.equal(exportYaml(second), yaml);
});

test('an empty session exports an empty topology that applies to nothing', () => {
  const s = newSession();
  const yaml = exportYaml(s);
  assert.equal(yaml.replace(/^#.*\n\n?/, ''), 'version: 1\nclock: virtual\nseed: 1\n');
  const summary = apply(newSession(), yaml);
  assert.deepEqual(summary.created, { routers: [], hosts: [], dns: [], filters: [], captures: [] });
});

const NAT_CASES: { name: string; options: NatOptions }[] = [
  { name: 'full cone', options: { preset: 'full-cone' } },
  { name: 'symmetric, 30 s', options: { preset: 'symmetric', lifetime: '30s' } },
  { name: 'ADM/EIF without a legacy name', options: { mapping: 'ad', filtering: 'ei' } },
  { name: 'APDM/ADF, no hairpin, random ports', options: { mapping: 'apd', filtering: 'ad', hairpin: false, allocation: 'random', portRange: [40000, 40999] } },
  { name: '1to1 with pairs', options: { preset: '1to1', pairs: { '203.0.113.5': '10.0.0.5' }, hairpin: false } },
  { name: 'port-restricted, arbitrary pooling, small table', options: { pooling: 'arbitrary', maxMappings: 10, portParity: false } },
  { name: 'TCP timeouts (RFC 5382)', options: { preset: 'restricted-cone', tcpEstablished: '3h', tcpTransitory: '5m' } },
  { name: 'linux', options: { preset: 'linux' } },
  { name: 'linux-random', options: { preset: 'linux-random' } },
  { name: 'linux, 60 s assured, silent drops', options: { preset: 'linux', assuredLifetime: '60s', unsolicited: 'drop' } },
  { name: 'port-restricted that answers port unreachable', options: { preset: 'port-restricted', unsolicited: 'port-unreachable' } },
];

test('`nat: linux` in a file exports as `nat: linux`', () => {
  assert.equal(natDocOf(normalizeNat({ preset: 'linux' })), 'linux');
  assert.equal(natDocOf(normalizeNat({ preset: 'linux-random' })), 'linux-random');
});

for (const c of NAT_CASES) {
  test(`NAT written by export reads back the same: ${c.name}`, () => {
    const cfg = normalizeNat(c.options)!;
    const doc = natDocOf(cfg);
    assert.ok(doc !== undefined);
    assert.deepEqual(normalizeNat(typeof doc === 'string' ? { preset: doc } : doc), cfg);
  });
}

test('`nat: linux` and Linux knobs are accepted by a topology file, router.add and nat.set', () => {
  const s = newSession();
  apply(s, [
    'routers:',
    '  - { name: internet, cidr: 0.0.0.0/0 }',
    '  - { name: home, parent: internet, cidr: 192.168.1.0/24, nat: linux }',
    '  - { name: cafe, parent: internet, cidr: 192.168.2.0/24, nat: { preset: linux-random, assuredLifetime: 60s, unsolicited: drop } }',
  ].join('\n'));
  s.call('router.add', { name: 'lab', parent: 'internet', cidr: '192.168.3.0/24', nat: 'linux' }, ctx);
  s.call('nat.set', { router: 'lab', nat: { preset: 'port-restricted', unsolicited: 'port-unreachable' } }, ctx);
  assert.deepEqual(s.net.router('home').natConfig, normalizeNat({ preset: 'linux' }));
  assert.equal(s.net.router('cafe').natConfig!.assuredLifetimeNs, 60e9);
  assert.equal(s.net.router('lab').natConfig!.portOverloading, false);
  assert.equal(s.net.router('lab').natConfig!.unsolicited, 'port-unreachable');
  const yaml = exportYaml(s);
  assert.match(yaml, /nat: linux\n/);
  const again = newSession();
  apply(again, yaml);
  assert.equal(exportYaml(again), yaml);
});

test('a netns host exports as netns: true and applies back as one; a file that disagrees is refused', () => {
  // Bare networks: no factory attaches a namespace, which the engine and the file format do not need.
  const net = new Network({ clock: 'virtual', seed: 1 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addHost({ name: 'alice', router: 'internet', ips: ['198.51.100.9'], netns: true });
  net.addHost({ name: 'bob', router: 'internet', ips: ['198.51.100.10'] });
  const topo = exportTopology(net);
  assert.deepEqual(topo.hosts.map((h) => [h.name, h.netns]), [['alice', true], ['bob', undefined]]);
  const copy = new Network({ clock: 'virtual', seed: 1 });
  applyEntries(copy, topo, 'copy.yaml', null, false);
  assert.deepEqual(copy.hosts.map((h) => [h.name, h.netns]), [['alice', true], ['bob', false]]);
  const flipped = { ...topo, hosts: topo.hosts.map((h) => (h.name === 'bob' ? { ...h, netns: true } : h)) };
  assert.throws(() => applyEntries(copy, flipped, 'copy.yaml', null, false), /host bob exists without a network namespace, the file says netns: true/);
  net.close();
  copy.close();
});
