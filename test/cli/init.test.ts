import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { defaultAnswers, initTopology, initYaml } from '../../src/cli/init-topology.js';
import { validateTopology } from '../../src/session/topology-schema.js';

test('the default init topology: two homes behind different NATs and a public server, valid against the schema', () => {
  const doc = initTopology(defaultAnswers());
  const topo = validateTopology(doc);
  assert.deepEqual(topo.routers.map((r) => [r.name, r.nat ?? null]), [['internet', null], ['home-a', 'port-restricted'], ['home-b', 'symmetric']]);
  assert.deepEqual(topo.hosts.map((h) => h.name), ['alice', 'bob', 'server']);
  assert.deepEqual(topo.dns, [{ name: 'server.example', ip: '198.51.100.7' }]);
});

test('init YAML parses back to the same document, with impairment on every site uplink when asked', () => {
  const a = { ...defaultAnswers(), impairment: { delay: '30ms', loss: '1%' } };
  const back = parse(initYaml(a)) as Record<string, unknown>;
  assert.deepEqual(back, initTopology(a));
  assert.deepEqual(back.filters, [{ on: 'home-a/uplink', delay: '30ms', loss: '1%' }, { on: 'home-b/uplink', delay: '30ms', loss: '1%' }]);
  validateTopology(back);
});
