// A multicast topology file (four routers, five LANs, one behind a NAT) applied and checked packet
// by packet: per-hop TTLs, a Linux-compat threshold that stops the tree below it, the NAT's
// masqueraded source upward; then exported and applied again to the same file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Network } from '../../src/engine/network.js';
import { applyTopology, exportTopology, parseTopology, topologyToYaml } from '../../src/session/topology.js';
import { Session } from '../../src/session/session.js';

const FILE = new URL('../../../test/fixtures/topology/multicast.yaml', import.meta.url);

function built(): Network {
  const net = new Network({ clock: 'virtual', seed: 3 });
  const summary = applyTopology(net, parseTopology(readFileSync(FILE, 'utf8'), 'multicast.yaml'));
  assert.equal(summary.created.mroutes?.length, 5);
  assert.equal(summary.created.memberships?.length, 5);
  net.runUntilIdle();
  return net;
}

/** Datagrams to `port` on every host: `HOST TTL DATA from SRC`, in arrival order. */
function watch(net: Network, port: number): string[] {
  const seen: string[] = [];
  for (const h of net.hosts) {
    h.eth0.addTap({ packet: (p, dir) => { if (dir === 'in' && p.dstPort === port) seen.push(`${h.name} ttl=${p.ttl} ${Buffer.from(p.payload).toString()} from ${(p.src >>> 24)}.${(p.src >>> 16) & 255}.${(p.src >>> 8) & 255}.${p.src & 255}`); } });
    const s = h.createSocket({ type: 'udp4', reuseAddr: true }).bindNow(port);
    s.on('message', () => {});
  }
  return seen;
}

test('the file\'s tree, packet by packet: TTL 5 reaches every LAN; TTL 4 stops at campus\'s threshold (Linux: TTL > 3)', () => {
  const net = built();
  const seen = watch(net, 5000);
  const tv = net.host('tv').createSocket('udp4').bindNow(4000);
  tv.setMulticastTTL(5);
  tv.send('t5', 5000, '239.5.5.5');
  net.runUntilIdle();
  assert.deepEqual(seen.sort(), [
    'c1 ttl=3 t5 from 198.51.100.10',
    'h1 ttl=2 t5 from 198.51.100.10',
    'i1 ttl=4 t5 from 198.51.100.10',
    'l1 ttl=3 t5 from 198.51.100.10',
  ]);
  seen.length = 0;
  tv.setMulticastTTL(4);
  tv.send('t4', 5000, '239.5.5.5');
  net.runUntilIdle();
  assert.deepEqual(seen.sort(), ['i1 ttl=3 t4 from 198.51.100.10', 'l1 ttl=2 t4 from 198.51.100.10']);
  assert.deepEqual(net.mroutes('campus').map((r) => [r.packets, r.lastUsedNs]), [[2, 0]]);
  assert.equal(net.iface('campus/lan').stats.drops.get('mroute-ttl-threshold'), 1);
  net.close();
});

test('upward through home\'s NAT: campus members see the masqueraded source, no one else', () => {
  const net = built();
  const seen = watch(net, 6000);
  const cam = net.host('h1').createSocket('udp4').bindNow(7000);
  cam.setMulticastTTL(2);
  cam.send('cam', 6000, '239.6.6.6');
  net.runUntilIdle();
  assert.deepEqual(seen, ['c1 ttl=1 cam from 10.1.0.30']);
  net.close();
});

test('export writes the routes, memberships and router options back; applying the export gives the same file', () => {
  const net = built();
  const yaml = topologyToYaml(exportTopology(net));
  assert.match(yaml, /mroutes:\n {2}- \{ router: isp, source: 198\.51\.100\.10, group: 239\.5\.5\.5, in: uplink, out: \[ lan \] \}/);
  assert.match(yaml, /multicast: \{ forwarding: true, compat: linux \}/);
  assert.match(yaml, /out: \[ lan:3 \]/);
  assert.match(yaml, /memberships:\n {2}- \{ host: i1, group: 239\.5\.5\.5 \}/);
  const again = new Network({ clock: 'virtual', seed: 3 });
  applyTopology(again, parseTopology(yaml, 'export.yaml'));
  assert.equal(topologyToYaml(exportTopology(again)), yaml);
  const twice = applyTopology(again, parseTopology(yaml, 'export.yaml'));
  assert.deepEqual([twice.created.mroutes, twice.unchanged.mroutes?.length, twice.created.memberships], [[], 5, []], 'nothing new the second time');
  net.close();
  again.close();
});

test('session methods check their params with the file\'s definitions: a bad --out names the pattern', () => {
  const s = new Session({ clock: 'virtual' });
  const ctx = { signal: new AbortController().signal, emit: () => {} };
  s.call('router.add', { name: 'internet', cidr: '0.0.0.0/0' }, ctx);
  assert.throws(() => s.call('mroute.add', { router: 'internet', source: '198.51.100.1', group: '239.1.1.1', in: 'lan', out: ['lan:x'] }, ctx),
    { code: 'EINVAL', message: /^mroute\.add: out\[0\]: "lan:x" is not IFACE or IFACE:MINTTL/ });
  assert.throws(() => s.call('mroute.rm', { router: 'internet' }, ctx), /--source S --group G, or remove every route with --all/);
  assert.throws(() => s.call('mcast.join', { host: 'nobody', group: '239.1.1.1' }, ctx), /no router or host named "nobody"/);
  s.close();
});
