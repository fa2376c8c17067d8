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
