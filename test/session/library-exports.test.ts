// The package's front door offers topology files too: parse, apply, export, as the README says.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyTopology, exportTopology, Network, parseTopology, topologyToYaml } from '../../src/index.js';

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
