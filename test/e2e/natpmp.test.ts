// The natpmp commands through the real CLI: exit codes (1 for a refusal or no service, 2 for bad
// input), --json shapes, the `--external-port` alias, events marked requested, router set.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CliSandbox } from './cli-helpers.js';

const box = new CliSandbox();
after(() => box.cleanup());
const S = ['--session', 'pmp'];

before(async () => {
  await box.ok(['up', '--clock', 'virtual', ...S]);
  await box.ok(['router', 'add', 'internet', '--cidr', '0.0.0.0/0', ...S]);
  await box.ok(['router', 'add', 'home', '--parent', 'internet', '--cidr', '192.168.1.0/24', '--ip', '203.0.113.10', ...S]);
  await box.ok(['host', 'add', 'alice', '--router', 'home', ...S]);
});

test('natpmp: no service is exit 1 at once (ICMP port unreachable); bad input exit 2; a refusal exit 1; a grant in --json', async () => {
  const none = await box.run(['natpmp', 'external', '--host', 'alice', ...S]);
  assert.equal(none.code, 1, none.stderr);
  assert.match(none.stderr, /has nothing on port 5351 \(ICMP port unreachable\); enable the service with `vnet natpmp enable ROUTER`/);
  const root = await box.run(['natpmp', 'enable', 'internet', ...S]);
  assert.equal(root.code, 2, root.stderr);
  const ports = await box.run(['natpmp', 'enable', 'home', '--allow-ports', '9-1', ...S]);
  assert.equal(ports.code, 2, ports.stderr);
  assert.match(ports.stderr, /allowed ports "9-1" are not a range LO-HI within 1-65535/);
  await box.ok(['natpmp', 'enable', 'home', '--pcp', '--allow-ports', '1024-65535', ...S]);
  const noPort = await box.run(['natpmp', 'request', '--host', 'alice', ...S]);
  assert.equal(noPort.code, 2, noPort.stderr);
  const refused = await box.run(['natpmp', 'request', '--host', 'alice', '--udp', '80', ...S]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /answered not authorized \(NAT-PMP result 2\)/);
  const r = await box.json<{ via: string; external: string; lifetime: number }>(['natpmp', 'request', '--host', 'alice', '--udp', '5000', '--external-port', '41000', '--lifetime', '90', ...S]);
  assert.deepEqual(r, { ...r, via: 'natpmp', external: '203.0.113.10:41000', lifetime: 90 });
  const events = (await box.run(['events', ...S])).stdout;
  assert.match(events, /mapping-created home udp 192\.168\.1\.\d+:5000 -> 203\.0\.113\.10:41000 requested \(natpmp\)/);
  assert.match(events, /service-enabled natpmp\+pcp on home/);
  await box.ok(['router', 'set', 'home', '--ip', '203.0.113.20', ...S]);
  assert.match((await box.run(['events', ...S])).stdout, /uplink-changed home 203\.0\.113\.20/);
  const show = await box.ok(['natpmp', 'show', 'home', ...S]);
  assert.match(show, /natpmp\+pcp on home 192\.168\.1\.1:5351 {2}epoch 0s/);
});
