// End to end: a session's life apart from its network: none running, a daemon killed under it, a
// foreground daemon. Each test starts the sessions it needs in a runtime directory of this file.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CliSandbox, waitUntil } from './cli-helpers.js';

const box = new CliSandbox();
after(() => box.cleanup());

test('no session: exit 3 naming the way to start one', async () => {
  const r = await box.run(['status', '--session', 'nosuch']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^vnet: no session "nosuch" is running .*vnet up/);
  assert.equal((await box.run(['down', '--session', 'nosuch'])).code, 3);
});

test('a daemon killed mid-session: commands exit 3 with a clear message; up recovers the stale socket', async () => {
  await box.ok(['up', '--session', 'victim']);
  await box.ok(['router', 'add', 'internet', '--cidr', '0.0.0.0/0', '--session', 'victim']);
  const pid = box.pidOf('victim');
  assert.ok(pid);
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => processGone(pid), `the killed daemon (pid ${pid}) to exit`);
  const r = await box.run(['router', 'ls', '--session', 'victim']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /daemon died .*vnet up/);
  await box.ok(['up', '--session', 'victim']);
  assert.deepEqual(await box.json(['router', 'ls', '--session', 'victim']), []);
  await box.ok(['down', '--session', 'victim']);
});

test('down on a session whose daemon died removes its socket and pid file and exits 3', async () => {
  await box.ok(['up', '--session', 'dead']);
  const pid = box.pidOf('dead');
  assert.ok(pid);
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => processGone(pid), `the killed daemon (pid ${pid}) to exit`);
  assert.ok(existsSync(join(box.dir, 'dead.sock')) && existsSync(join(box.dir, 'dead.pid')), 'a killed daemon leaves its files');
  const r = await box.run(['down', '--session', 'dead']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^vnet: session "dead" is not running: its daemon died/);
  assert.equal(existsSync(join(box.dir, 'dead.sock')), false, 'the stale socket is removed');
  assert.equal(existsSync(join(box.dir, 'dead.pid')), false, 'the stale pid file is removed');
});

test('up --foreground serves until down; the foreground process then exits 0', async () => {
  const fg = box.spawn(['up', '--foreground', '--session', 'fg']);
  const done = box.finish(fg, ['up', '--foreground']);
  await waitUntil(() => existsSync(join(box.dir, 'fg.pid')), 'the foreground daemon to write its pid file');
  await box.ok(['router', 'add', 'internet', '--cidr', '0.0.0.0/0', '--session', 'fg']);
  await box.ok(['down', '--session', 'fg']);
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /session fg up in the foreground/);
});

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
