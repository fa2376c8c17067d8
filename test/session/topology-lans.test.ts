// Routers with several LANs in topology files: a router entry's `lans:` list, hosts' `lan:` and
// routers' `parentLan:`, applied, exported, applied again (round trip), re-applied onto itself,
// conflicts, and the session methods router.iface.add / router.iface.rm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIpv4 } from '../../src/wire/addr.js';
import type { RouterView } from '../../src/session/views.js';
import { parseTopology } from '../../src/session/topology.js';
import { apply, ctx, errorOf, exportYaml, newSession } from '../fixtures/topology/helpers.js';

const THREE_LANS = `
routers:
  - { name: internet, cidr: 0.0.0.0/0 }
  - name: office
    parent: internet
    cidr: 10.1.0.0/24
    uplink: { ips: [203.0.113.5] }
    lans:
      - { cidr: 10.2.0.0/24 }
      - { name: dmz, cidr: 10.3.0.0/24, gateway: 10.3.0.254, vlan: [30], mac: "02:00:00:00:03:01" }
  - { name: lab, parent: office, parentLan: lan2, cidr: 10.20.0.0/24, nat: none }
hosts:
  - { name: server, router: internet, ips: [198.51.100.7] }
  - { name: a, router: office }
  - { name: b, router: office, lan: lan2 }
  - { name: web, router: office, ips: [10.3.0.80] }
  - { name: d, router: lab }
filters:
  - { on: office/dmz, delay: 5ms }
`;

test('a 3-LAN router from a file: LANs named and addressed, hosts and a routed child on the LANs they name', () => {
  const s = newSession(3);
  const summary = apply(s, THREE_LANS);
  assert.deepEqual(summary.created.routers, ['internet', 'office', 'lab']);
  const r = s.call('router.show', { name: 'office' }, ctx) as RouterView;
  assert.deepEqual(r.lans.map((l) => [l.name, l.cidr, l.gateway, l.vlan, l.hosts, l.children]), [
    ['lan', '10.1.0.0/24', '10.1.0.1', [], ['a'], []],
    ['lan2', '10.2.0.0/24', '10.2.0.1', [], ['b'], ['lab']],
    ['dmz', '10.3.0.0/24', '10.3.0.254', [30], ['web'], []],
  ]);
  assert.equal(r.lans[2].mac, '02:00:00:00:03:01');
  assert.deepEqual(r.interfaces.map((i) => i.name), ['office/lan', 'office/uplink', 'office/lan2', 'office/dmz']);
  assert.deepEqual(s.net.iface('web/eth0').vlan, [30], 'hosts of a tagged LAN carry its tag');
  assert.equal(formatIpv4(s.net.router('lab').uplink!.addresses[0]), '10.2.0.2', 'routers are made before hosts');
  assert.equal(s.net.filters.list()[0].iface, 'office/dmz');
  const views = s.call('host.ls', {}, ctx) as { name: string; lan: string }[];
  assert.deepEqual(views.map((h) => `${h.name} ${h.lan}`), ['server lan', 'a lan', 'b lan2', 'web dmz', 'd lan']);
});

test('export writes the LANs; applying the export to a fresh session gives the same file and network; re-apply changes nothing', () => {
  const first = newSession(3);
  apply(first, THREE_LANS);
  const yaml = exportYaml(first);
  parseTopology(yaml, 'export.yaml');
  assert.match(yaml, /lans:\n\s+- \{ name: lan2, cidr: 10\.2\.0\.0\/24 \}\n\s+- \{ name: dmz, cidr: 10\.3\.0\.0\/24, gateway: 10\.3\.0\.254, mac: 02:00:00:00:03:01, vlan: \[ 30 \] \}/);
  assert.match(yaml, /- name: lab\n\s+parent: office\n\s+cidr: 10\.20\.0\.0\/24\n\s+parentLan: lan2\n/);
  assert.match(yaml, /- \{ name: b, router: office, lan: lan2, ips: \[ 10\.2\.0\.3 \] \}/);
  assert.match(yaml, /- \{ name: a, router: office, ips: \[ 10\.1\.0\.2 \] \}/, 'the first LAN is left out');
  const second = newSession(3);
  apply(second, yaml, { fileName: 'export.yaml' });
  assert.equal(exportYaml(second), yaml);
  assert.equal(JSON.stringify(second.call('router.ls', {}, ctx)), JSON.stringify(first.call('router.ls', {}, ctx)));
  const again = apply(first, yaml);
  assert.deepEqual(again.changed, { routers: [], hosts: [], dns: [], filters: [], captures: [] });
  assert.deepEqual(again.created, { routers: [], hosts: [], dns: [], filters: [], captures: [] });
});

test('re-apply adds a LAN the file has and the router lacks; differences are conflicts that change nothing', () => {
  const s = newSession(3);
  apply(s, THREE_LANS);
  const more = THREE_LANS.replace('      - { cidr: 10.2.0.0/24 }\n', '      - { cidr: 10.2.0.0/24 }\n      - { name: guest, cidr: 10.4.0.0/24 }\n')
    .replace('hosts:\n', 'hosts:\n  - { name: g, router: office, lan: guest }\n');
  const summary = apply(s, more);
  assert.deepEqual(summary.changes, ['router office: LAN guest 10.4.0.0/24 added']);
  assert.deepEqual(summary.created.hosts, ['g']);
  assert.equal(s.net.host('g').ip, '10.4.0.2');
  const before = exportYaml(s);
  const conflicts: [string, string, RegExp][] = [
    ['a LAN\'s gateway', more.replace('gateway: 10.3.0.254', 'gateway: 10.3.0.253'), /routers\[1\].*office\/dmz exists with gateway 10\.3\.0\.254, the file says 10\.3\.0\.253/],
    ['a LAN\'s VLAN', more.replace("vlan: [30]", "vlan: [31]"), /office\/dmz exists with VLAN 30, the file says 31/],
    ['a host\'s LAN', more.replace('{ name: b, router: office, lan: lan2 }', '{ name: b, router: office, lan: dmz }'), /host b exists on office\/lan2, the file puts it on office\/dmz/],
    ['a child\'s parent LAN', more.replace('parentLan: lan2', 'parentLan: dmz'), /router lab exists on office\/lan2, the file puts it on office\/dmz/],
    ['an overlapping new LAN', more.replace('{ name: guest, cidr: 10.4.0.0/24 }', '{ name: guest, cidr: 10.4.0.0/24 }\n      - { name: bad, cidr: 10.1.0.0/16 }'), /topo\.yaml:\d+: routers\[1\].*subnet 10\.1\.0\.0\/16 overlaps 10\.1\.0\.0\/24 of office\/lan/],
  ];
  for (const [name, text, want] of conflicts) {
    const e = errorOf(() => apply(s, text));
    assert.equal(e.code, 'EINVAL', `${name}: ${e.message}`);
    assert.match(e.message, want, name);
    assert.equal(exportYaml(s), before, `${name}: nothing changed`);
  }
});

test('a file\'s bad lans entry names its line and path', () => {
  const s = newSession();
  const e = errorOf(() => apply(s, THREE_LANS.replace('{ cidr: 10.2.0.0/24 }', '{ cidr: 10.2.0.1/24 }')));
  assert.match(e.message, /^topo\.yaml:9: routers\[1\]\.lans\[0\]\.cidr: /);
  const unknown = errorOf(() => apply(s, THREE_LANS.replace('{ cidr: 10.2.0.0/24 }', '{ cidr: 10.2.0.0/24, mtu: 9000 }')));
  assert.match(unknown.message, /routers\[1\]\.lans\[0\]: unknown key "mtu" \(allowed: name, cidr, gateway, mac, vlan\)/);
  assert.deepEqual(s.net.routers, []);
});

test('router.iface.add and router.iface.rm: params checked by the same definitions; rm takes what is on the LAN', () => {
  const s = newSession();
  apply(s, THREE_LANS);
  const l = s.call('router.iface.add', { router: 'office', cidr: '10.5.0.0/24', vlan: '50' }, ctx) as { router: string; name: string; gateway: string; vlan: number[] };
  assert.deepEqual([l.router, l.name, l.gateway, l.vlan], ['office', 'lan3', '10.5.0.1', [50]]);
  assert.equal(errorOf(() => s.call('router.iface.add', { router: 'office', name: 'bad name', cidr: '10.6.0.0/24' }, ctx)).message.startsWith('router.iface.add: name: '), true);
  assert.equal(errorOf(() => s.call('router.iface.add', { router: 'office' }, ctx)).message, 'router.iface.add: missing key "cidr" (required: router, cidr)');
  const first = errorOf(() => s.call('router.iface.rm', { router: 'office', name: 'lan' }, ctx));
  assert.equal(first.code, 'EINVAL');
  const r = s.call('router.iface.rm', { router: 'office', name: 'lan2' }, ctx) as { iface: string; removed: string[] };
  assert.deepEqual(r, { iface: 'office/lan2', removed: ['d', 'lab', 'b'], maps: [], proxies: [] });
  assert.deepEqual((s.call('router.show', { name: 'office' }, ctx) as RouterView).lans.map((x) => x.name), ['lan', 'dmz', 'lan3']);
});
