// Netns hosts and the life of sessions: refused on a virtual clock and without root (exit 2, one line),
// two sessions with the same host names side by side, and what a daemon killed with SIGKILL leaves
// removed by the next `vnet up`. Needs root; fails loudly without it. Real CLI, real daemons.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, CliSandbox, waitUntil } from '../e2e/cli-helpers.js';
import { namespaces, removeNamespaces } from './leftovers.js';

let box: CliSandbox;

function nsOf(host: string, session: string): Promise<string> {
  return box.json<{ netns: string }>(['host', 'show', host, '--session', session]).then((h) => h.netns);
}

/** A topology file in the sandbox. */
function topology(name: string, text: string): string {
  const file = join(box.dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** One netns host on the internet. */
const ONE_HOST = (host: string): string => `
routers: [{ name: internet, cidr: 0.0.0.0/0 }]
hosts: [{ name: ${host}, router: internet, ips: [198.51.100.9], netns: true }]
`;

before(() => {
  if (process.getuid?.() !== 0) throw new Error('the netns session tests make network namespaces and TUN devices and need root (uid 0)');
  box = new CliSandbox();
});

after(() => {
  box?.cleanup();
  removeNamespaces((ns) => /^vnet-(twin-a|twin-b|killed|virt)-/.test(ns));
});

test('a virtual-clock session refuses netns hosts with exit 2 and one line saying why', async () => {
  const r = await box.run(['up', '--session', 'virt', '--clock', 'virtual', '-f', topology('virt', ONE_HOST('alice'))]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^vnet: .*netns hosts need the real clock.*--clock real/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.equal(box.pidOf('virt'), undefined, 'an invalid file leaves no session');
});

test('without CAP_NET_ADMIN and CAP_SYS_ADMIN a netns host is refused with exit 2 and one line naming what is missing', () => {
  // A standalone `vnet exec -f` builds its session in-process, here as root with every capability dropped
  // (setpriv clears the bounding set, so execve grants none): the capabilities decide, not the uid. Staying
  // uid 0 keeps the checkout readable wherever it lies (a 0700 temp dir in CI).
  const home = join(box.dir, 'nocaps');
  mkdirSync(home, { mode: 0o700 });
  const file = topology('nocaps/lab', ONE_HOST('alice'));
  const r = spawnSync('setpriv', ['--inh-caps=-all', '--bounding-set=-all', 'env', `HOME=${home}`, `VNET_RUNTIME_DIR=${home}`,
    process.execPath, BIN, 'exec', '-f', file, '--host', 'alice', '--', 'true'], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^vnet: .*netns hosts need root \(the session lacks CAP_NET_ADMIN and CAP_SYS_ADMIN.*\); start the session as root/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('two sessions with the same host names get their own namespaces', async () => {
  for (const s of ['twin-a', 'twin-b']) {
    await box.ok(['up', '--session', s, '-f', topology(s, ONE_HOST('alice'))]);
  }
  const a = await nsOf('alice', 'twin-a');
  const b = await nsOf('alice', 'twin-b');
  assert.notEqual(a, b);
  for (const ns of [a, b]) assert.ok(namespaces().includes(ns), `${ns} missing`);
  for (const s of ['twin-a', 'twin-b']) {
    const r = await box.run(['exec', '--host', 'alice', '--session', s, '--', 'ping', '-c', '1', '-W', '2', '192.0.2.1']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
  await box.ok(['down', '--session', 'twin-a']);
  assert.ok(!namespaces().includes(a) && namespaces().includes(b), 'down removes its own namespace only');
  await box.ok(['down', '--session', 'twin-b']);
  assert.ok(!namespaces().includes(b));
});

test('after kill -9 of the daemon the next vnet up removes its namespaces and their processes, saying so', async () => {
  await box.ok(['up', '--session', 'killed', '-f', topology('killed', ONE_HOST('bob'))]);
  const ns = await nsOf('bob', 'killed');
  const sleeper = box.spawn(['exec', '--host', 'bob', '--session', 'killed', '--', 'sleep', '60']);
  const ended = box.finish(sleeper, ['exec']);
  await waitUntil(() => execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).trim() !== '', 'sleep running in bob');
  process.kill(box.pidOf('killed')!, 'SIGKILL');
  await waitUntil(() => spawnSync('kill', ['-0', String(box.pidOf('killed'))]).status !== 0, 'daemon gone');
  assert.ok(namespaces().includes(ns), 'a SIGKILL cannot remove the namespace; the next up does');
  const up = await box.run(['up', '--session', 'other']);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stderr, new RegExp(`removed network namespace ${ns} of host bob left by session killed \\(daemon pid \\d+ is gone\\)`));
  assert.ok(!namespaces().includes(ns));
  assert.equal((await ended).code, 137);
  await box.ok(['down', '--session', 'other']);
});
