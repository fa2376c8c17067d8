// 100,000 live mappings: the table holds them, lookups still work; heap growth is printed (not asserted).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { PROTO_UDP } from '../../../src/wire/packet.js';
import { ip, mapped, rig } from './helpers.js';

/** global.gc without --expose-gc: turn the flag on and fetch gc from a fresh context. */
function getGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

it('holds 100,000 mappings with working lookups', () => {
  const N = 100_000;
  const gc = getGc();
  const { table } = rig({ preset: 'port-restricted' }, ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']);
  const base = ip('10.0.0.0');
  const Y = ip('198.51.100.1');
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) mapped(table.outbound(PROTO_UDP, base + i, 5000 + (i % 7), Y, 3478), `mapping ${i}`);
  const created = performance.now() - t0;
  gc?.();
  const after = process.memoryUsage().heapUsed;
  assert.equal(table.size, N, `got ${table.size} mappings, want ${N}`);

  const i = 77_777;
  const m = table.findByInternal(PROTO_UDP, base + i, 5000 + (i % 7), Y, 3478);
  assert.ok(m, 'findByInternal lost a mapping');
  assert.equal(table.findByExternal(PROTO_UDP, m.externalIp, m.externalPort), m);
  assert.equal(table.inbound(PROTO_UDP, m.externalIp, m.externalPort, Y, 3478), m);
  assert.equal(table.outbound(PROTO_UDP, base + i, 5000 + (i % 7), Y, 3478), m);

  const t1 = performance.now();
  for (let k = 0; k < 1_000_000; k++) {
    const j = k % N;
    table.outbound(PROTO_UDP, base + j, 5000 + (j % 7), Y, 3478);
  }
  const hits = performance.now() - t1;
  const mib = (after - before) / 2 ** 20;
  console.log(`nat 100k mappings: heap +${mib.toFixed(1)} MiB (${Math.round((after - before) / N)} B/mapping${gc ? '' : ', no gc'}), ` +
    `create ${created.toFixed(0)} ms, 1M outbound hits ${hits.toFixed(0)} ms`);
});
