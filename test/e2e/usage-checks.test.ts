// The CLI side of issue 16/10 fixes, against a real daemon: exec refuses an unknown host, NAT
// flags that contradict --nat, too large a --count; send --wait shows an ICMP error and exits 1;
// host rm names the maps it took along; a map on a virtual clock warns; filter change merges.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CliSandbox } from './cli-helpers.js';

const box = new CliSandbox();
after(() => box.cleanup());
const S = ['--session', 'checks'];
const TOPO = 'routers:\n  - { name: internet, cidr: 0.0.0.0/0 }\n  - { name: home, parent: internet, cidr: 192.168.1.0/24 }\n' +
  'hosts:\n  - { name: alice, router: home }\n  - { name: server, router: internet, ips: [198.51.100.7] }\n';

before(async () => {
  writeFileSync(join(box.dir, 'topo.yaml'), TOPO);
  await box.ok(['up', '--clock', 'virtual', '-f', join(box.dir, 'topo.yaml'), ...S]);
});

test('exec --host nobody exits 2 without running the program, with or without --map', async () => {
  const marker = join(box.dir, 'ran');
  for (const maps of [[], ['--map', '0=198.51.100.7:7']]) {
    const r = await box.run(['exec', '--host', 'nobody', ...maps, ...S, '--', 'touch', marker]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^vnet: no host named "nobody"/);
    assert.equal(existsSync(marker), false, 'the program ran');
  }
  const standalone = await box.run(['exec', '-f', join(box.dir, 'topo.yaml'), '--session', 'none-running', '--host', 'nobody', '--', 'touch', marker]);
  assert.equal(standalone.code, 2, standalone.stderr);
  assert.equal(existsSync(marker), false);
});

test('exec --timeout 600h lets the program run (Node fired such timers after 1 ms); clock advance past 2^53 ns is exit 2', async () => {
  const r = await box.run(['exec', '--host', 'alice', '--timeout', '600h', ...S, '--', 'sleep', '0.3']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning|ran longer/);
  const advance = await box.run(['clock', 'advance', '9999999999999999h', ...S]);
  assert.equal(advance.code, 2, advance.stderr);
  assert.match(advance.stderr, /longer than 104 days/);
  assert.match(await box.ok(['clock', 'advance', '1s', ...S]), /virtual clock at 1s/, 'the clock still moves');
});

test('router add and nat set refuse NAT flags that contradict --nat, exit 2 naming both', async () => {
  for (const [flags, says] of [
    [['--nat', 'symmetric', '--mapping', 'ei'], /--nat symmetric means mapping apd, but --mapping ei was given too/],
    [['--nat', 'none', '--mapping', 'ei'], /--nat none turns NAT off, so --mapping has nothing to set/],
    [['--nat', 'none', '--port-range', '2000-3000'], /--nat none turns NAT off, so --port-range has nothing to set/],
  ] as const) {
    const r = await box.run(['router', 'add', 'lab', '--parent', 'internet', '--cidr', '10.9.0.0/24', ...flags, ...S]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, says);
    const set = await box.run(['nat', 'set', 'home', ...flags, ...S]);
    assert.equal(set.code, 2, set.stderr);
  }
  assert.equal((await box.run(['router', 'show', 'lab', ...S])).code, 2, 'lab was not added');
});

test('send --count past 1000000 exits 2', async () => {
  for (const count of ['1000001', '99999999999999999999']) {
    const r = await box.run(['send', 'alice', '198.51.100.7:9', '--count', count, ...S]);
    assert.equal(r.code, 2, r.stderr);
  }
});

test('send --wait prints the ICMP error that comes back, with its round-trip time, and exits 1', async () => {
  const r = await box.run(['send', 'alice', '198.51.100.7:9', '--data', 'hi', '--wait', '5s', ...S]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '198.51.100.7: ICMP port unreachable (connection refused) for 198.51.100.7:9, rtt 0s\n');
  assert.match(r.stderr, /1 ICMP error within 5s/);
});

test('map add on a virtual clock warns on stderr; host rm removes the map and says so', async () => {
  const add = await box.run(['map', 'add', '--host', 'alice', '--listen', '127.0.0.1:0', '--remote', '198.51.100.7:7', ...S]);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stderr, /^vnet: warning: this network runs on a virtual clock: .*\n$/);
  const rm = await box.run(['host', 'rm', 'alice', '--yes', ...S]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.match(rm.stdout, /^removed alice; with them map 1 \(127\.0\.0\.1:\d+ -> 198\.51\.100\.7:7\)\n$/);
  assert.deepEqual(await box.json(['map', 'ls', ...S]), []);
});

test('filter change --jitter keeps the delay; --unset removes a setting', async () => {
  await box.ok(['filter', 'add', 'server', '--delay', '80ms', '--loss', '1%', ...S]);
  assert.match(await box.ok(['filter', 'change', '1', '--jitter', '10ms', ...S]), /egress loss 1% delay 80ms±10ms/);
  assert.match(await box.ok(['filter', 'change', '1', '--unset', 'loss', ...S]), /: egress delay 80ms±10ms\n$/);
});
