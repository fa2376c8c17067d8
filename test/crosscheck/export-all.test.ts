// `vnet export` of a topology that uses today's features at once: routers with several LANs (one
// routed, one NATed), NAT-PMP/PCP and multicast options on them, mroutes naming extra LANs,
// memberships of hosts on them, STUN servers (one on lan2), gateway names, and (as root) a netns
// host on a third LAN. Apply, export, apply the export to a fresh session, export: identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { Session } from '../../src/session/session.js';
import { parseTopology } from '../../src/session/topology.js';
import { apply, ctx, exportYaml } from '../fixtures/topology/helpers.js';
import type { MrouteView } from '../../src/multicast/router-multicast.js';
import type { McastView } from '../../src/multicast/network-api.js';

const ALL = `
routers:
  - { name: internet, cidr: 0.0.0.0/0 }
  - name: isp
    parent: internet
    cidr: 100.64.0.0/24
    nat: none
    multicast: { forwarding: true, compat: linux }
    lans:
      - { name: cable, cidr: 100.64.1.0/24 }
  - name: office
    parent: isp
    parentLan: cable
    cidr: 10.1.0.0/24
    uplink: { ips: [100.64.1.5] }
    nat: port-restricted
    natpmp: { pcp: true, allowPorts: 1024-65535 }
    multicast: { forwarding: true, pendingQueueSize: 8 }
    lans:
      - { cidr: 10.2.0.0/24 }
      - { name: dmz, cidr: 10.3.0.0/24, gateway: 10.3.0.254 }
hosts:
  - { name: tv, router: internet, ips: [198.51.100.10] }
  - { name: a, router: office }
  - { name: b, router: office, lan: lan2 }
  - { name: c, router: office, lan: dmz }
  - { name: modem, router: isp, lan: cable }
stun:
  - { name: stun1, router: internet, ip: 198.51.100.20, altIp: 198.51.100.21 }
  - { name: stun-in, router: office, ip: 10.2.0.50 }
mroutes:
  - { router: isp, source: 198.51.100.10, group: 239.2.2.2, in: uplink, out: [cable] }
  - { router: office, source: 10.1.0.2, group: 239.1.1.1, in: lan, out: [lan2, "dmz:4"] }
  - { router: office, source: 198.51.100.10, group: 239.2.2.2, in: uplink, out: [lan, dmz] }
memberships:
  - { host: b, group: 239.1.1.1 }
  - { host: c, group: 239.2.2.2 }
  - { host: modem, group: 239.2.2.2 }
dns:
  web.example: 198.51.100.8
`;

function roundTrip(text: string, session: () => Session): { first: string; second: string; a: Session; b: Session } {
  const a = session();
  apply(a, text);
  const first = exportYaml(a);
  parseTopology(first, 'export.yaml');
  const b = session();
  apply(b, first, { fileName: 'export.yaml' });
  const second = exportYaml(b);
  return { first, second, a, b };
}

test('apply, export, apply the export to a fresh session, export: the same YAML, the same routes and memberships', () => {
  const { first, second, a, b } = roundTrip(ALL, () => new Session({ clock: 'virtual', seed: 4 }));
  try {
    assert.equal(second, first);
    // What the export must keep of each feature.
    assert.match(first, /natpmp: \{ pcp: true, allowPorts: 1024-65535 \}/);
    assert.match(first, /- \{ name: dmz, cidr: 10\.3\.0\.0\/24, gateway: 10\.3\.0\.254 \}/);
    assert.match(first, /\{ router: office, source: 10\.1\.0\.2, group: 239\.1\.1\.1, in: lan, out: \[ lan2, "?dmz:4"? \] \}/);
    assert.match(first, /\{ name: stun-in, router: office, ip: 10\.2\.0\.50 \}/);
    assert.match(first, /\{ host: modem, group: 239\.2\.2\.2 \}/);
    for (const s of [a, b]) {
      const routes = (s.call('mroute.ls', {}, ctx) as MrouteView[]).map((r) => `${r.router} ${r.source} ${r.group} ${r.iif} ${r.oifs.map((o) => `${o.iface}:${o.minTtl}`).join(',')}`);
      assert.deepEqual(routes.sort(), [
        'isp 198.51.100.10 239.2.2.2 uplink cable:1',
        'office 10.1.0.2 239.1.1.1 lan lan2:1,dmz:4',
        'office 198.51.100.10 239.2.2.2 uplink lan:1,dmz:1',
      ]);
      const joined = (s.call('mcast.ls', {}, ctx) as McastView).joined.map((j) => `${j.node} ${j.iface} ${j.group}`);
      assert.deepEqual(joined.sort(), ['b b/eth0 239.1.1.1', 'c c/eth0 239.2.2.2', 'modem modem/eth0 239.2.2.2']);
      assert.equal(s.net.host('stun-in').attachment.name, 'lan2');
    }
  } finally {
    a.close();
    b.close();
  }
});

test('the same with a netns host on the dmz (root): its export says netns: true and the round trip is identical', () => {
  if (process.getuid?.() !== 0) throw new Error('a netns host needs a network namespace and a TUN device: run as root (uid 0)');
  if (spawnSync('sh', ['-c', 'command -v ip']).status !== 0) throw new Error('ip is not installed; npm test installs it (scripts/test-tools.js)');
  const name = `ccx${process.pid}`;
  const text = ALL.replace('  - { name: modem,', '  - { name: box, router: office, lan: dmz, netns: true }\n  - { name: modem,');
  let sessions: Session[] = [];
  try {
    let n = 0;
    const { first, second, a, b } = roundTrip(text, () => new Session({ clock: 'real', seed: 4, name: `${name}${n++}` }));
    sessions = [a, b];
    assert.equal(second, first);
    assert.match(first, /\{ name: box, router: office, lan: dmz, ips: \[ 10\.3\.0\.\d+ \], netns: true \}/);
  } finally {
    for (const s of sessions) s.close();
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]);
    for (const ns of left) if (ns.startsWith(`vnet-${name}`)) spawnSync('ip', ['netns', 'del', ns]);
  }
});
