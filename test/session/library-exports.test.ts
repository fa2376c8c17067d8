// The package's front door offers topology files too: parse, apply, export, as the README says.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyTopology, exportTopology, Network, parseTopology, Session, topologyToYaml, type RouterDoc } from '../../src/index.js';

test('a topology read with parseTopology builds a Network with applyTopology; export gives the same YAML back', () => {
  const text = 'routers:\n  - { name: internet, cidr: 0.0.0.0/0 }\n  - { name: home, parent: internet, cidr: 192.168.1.0/24, nat: symmetric }\nhosts:\n  - { name: alice, router: home }\n';
  const net = new Network({ clock: 'virtual', seed: 1 });
  const summary = applyTopology(net, parseTopology(text, 'lab.yaml'));
  assert.deepEqual(net.hosts.map((h) => h.name), ['alice']);
  assert.ok(JSON.stringify(summary).includes('alice'));
  const yaml = topologyToYaml(exportTopology(net));
  const again = new Network({ clock: 'virtual', seed: 1 });
  applyTopology(again, parseTopology(yaml, 'export.yaml'));
  assert.equal(topologyToYaml(exportTopology(again)), yaml);
  net.close();
  again.close();
});

test('a library call to the session gets the same one line as the CLI for a bad value', () => {
  const s = new Session({ clock: 'virtual' });
  const ctx = { signal: new AbortController().signal, emit: () => {} };
  s.call('router.add', { name: 'internet', cidr: '0.0.0.0/0' } satisfies RouterDoc, ctx);
  assert.throws(() => s.call('router.add', { name: 'home', parent: 'internet', cidr: '192.168.1.0/24', vlan: 'one' }, ctx),
    { code: 'EINVAL', message: 'router.add: vlan: "one" is not VLAN IDs (want one or two of 1-4094: a list such as [100] or [100, 20], or a string such as "100,20")' });
  s.close();
});

test('STUN from the library: a server added with stunServers(net), the probe run on the Network directly', async () => {
  const { Network: Net, stunServers: servers, probeBehaviour: probe, probeLifetime: lifetime } = await import('../../src/index.js');
  const net = new Net({ clock: 'virtual', seed: 2 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', nat: { preset: 'full-cone', lifetime: '90s' } });
  const alice = net.addHost({ name: 'alice', router: 'home' });
  servers(net).add({ name: 'stun1', router: 'internet', ip: '198.51.100.10', altIp: '198.51.100.11' });
  const r = await probe(net, alice, servers(net).get('stun1'));
  assert.deepEqual([r.mapping, r.filtering, r.hairpin], ['ei', 'ei', true]);
  assert.equal(await lifetime(net, alice, servers(net).get('stun1')), 90e9);
  net.close();
});
