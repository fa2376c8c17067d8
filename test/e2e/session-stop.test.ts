// End to end: listing and stopping sessions (down without a reaper, ls), up -f past the start limit, and what streams do when their session stops.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { BIN, CliSandbox, stderrLine, waitUntil } from './cli-helpers.js';

const box = new CliSandbox();
after(() => box.cleanup());

test('listen --count and events --follow exit 3 (session gone) when their session stops before they are done', async () => {
  await box.ok(['up', '--session', 'gone', '--clock', 'virtual']);
  await box.ok(['router', 'add', 'r', '--cidr', '10.0.0.0/24', '--session', 'gone']);
  await box.ok(['host', 'add', 'b', '--router', 'r', '--session', 'gone']);
  const listener = box.spawn(['listen', 'b:7', '--count', '5', '--session', 'gone']);
  const listened = box.finish(listener, ['listen']);
  const follower = box.spawn(['events', '--follow', '--session', 'gone']);
  const followed = box.finish(follower, ['events']);
  let printed = '';
  follower.stdout!.on('data', (d: Buffer) => (printed += d.toString()));
  await stderrLine(listener, /listening on/);
  await waitUntil(() => printed.includes('b'), 'events to print the past events (it follows from then on)');
  await box.ok(['down', '--session', 'gone']);
  const l = await listened;
  assert.equal(l.code, 3, l.stderr);
  assert.match(l.stderr, /session "gone" is shutting down/);
  const e = await followed;
  assert.equal(e.code, 3, e.stderr);
});

test('down is quick, and works where nobody reaps the daemon (a zombie is gone)', async () => {
  const t0 = Date.now();
  await box.ok(['up', '--session', 'quick']);
  const t1 = Date.now();
  await box.ok(['down', '--session', 'quick']);
  const t2 = Date.now();
  process.stderr.write(`# up ${t1 - t0} ms, down ${t2 - t1} ms\n`);
  assert.ok(t2 - t1 < 5000, `down took ${t2 - t1} ms`);

  // The daemon's parent becomes `sleep`, which never waits for children: the exited daemon stays a zombie.
  const parent = spawn('sh', ['-c', `"${process.execPath}" "${BIN}" up --foreground --session zombie </dev/null >/dev/null 2>&1 & exec sleep 60`], {
    env: box.env, stdio: 'ignore',
  });
  try {
    await waitUntil(() => box.pidOf('zombie') !== undefined && existsSync(join(box.dir, 'zombie.sock')), 'the foreground daemon to start');
    const t3 = Date.now();
    const r = await box.run(['down', '--session', 'zombie']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - t3 < 5000, `down took ${Date.now() - t3} ms with nobody reaping the daemon`);
    assert.equal(existsSync(join(box.dir, 'zombie.sock')), false);
    assert.equal(existsSync(join(box.dir, 'zombie.pid')), false);
  } finally {
    parent.kill('SIGKILL');
  }
});

test('ls lists the running sessions (name, state, pid, clock, started, socket) as a table and as JSON', async () => {
  const empty = await box.run(['ls']);
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /^no sessions run in .*; `vnet up` starts one\n$/);
  await box.ok(['up', '--session', 'one', '--clock', 'virtual', '--seed', '3']);
  await box.ok(['up', '--session', 'two']);
  writeFileSync(join(box.dir, 'dead.pid'), '999999999\n');
  try {
    type Row = { name: string; state: string; pid: number | null; clock: string | null; seed: number | null; startedAt: string | null; socket: string };
    const rows = await box.json<Row[]>(['ls']);
    assert.deepEqual(rows.map((r) => [r.name, r.state, r.clock]), [['dead', 'stale', null], ['one', 'running', 'virtual'], ['two', 'running', 'real']]);
    const one = rows[1];
    assert.equal(one.pid, box.pidOf('one'));
    assert.equal(one.seed, 3);
    assert.equal(one.socket, join(box.dir, 'one.sock'));
    assert.ok(one.startedAt && !Number.isNaN(Date.parse(one.startedAt)));
    const text = (await box.ok(['ls'])).split('\n');
    assert.match(text[0], /^NAME +STATE +PID +CLOCK +STARTED +SOCKET$/);
    assert.match(text[2], new RegExp(`^one +running +${one.pid} +virtual +${one.startedAt!.replace(/\./g, '\\.')} +${join(box.dir, 'one.sock')}$`));
  } finally {
    await box.run(['down', '--session', 'one']);
    await box.run(['down', '--session', 'two']);
  }
});

test('up -f: the start limit does not include building the file', async () => {
  const file = join(box.dir, 'big.yaml');
  const hosts = Array.from({ length: 20_000 }, (_, i) => `  - { name: h${i}, router: r }`);
  writeFileSync(file, `routers:\n  - { name: r, cidr: 10.0.0.0/8 }\nhosts:\n${hosts.join('\n')}\n`);
  // Building 20,000 hosts takes longer than the 4 s start limit (about 10 s on a quiet machine); on a
  // busy one much longer, so this command gets 2 minutes rather than the usual bound.
  const r = await box.run(['up', '-f', file, '--session', 'big', '--json'], { env: { VNET_START_TIMEOUT_MS: '4000' }, timeoutMs: 120_000 });
  try {
    assert.equal(r.code, 0, r.stderr);
    const up = JSON.parse(r.stdout) as { applied: { created: { hosts: string[] } } };
    assert.equal(up.applied.created.hosts.length, 20_000);
  } finally {
    await box.run(['down', '--session', 'big']);
  }
});

test('250k datagrams through listen --json all arrive, however far the reader falls behind', async () => {
  const N = 250_000;
  const s = ['--session', 'burst'];
  await box.ok(['up', '--clock', 'virtual', ...s]);
  await box.ok(['router', 'add', 'r', '--cidr', '10.0.0.0/24', ...s]);
  await box.ok(['host', 'add', 'a', '--router', 'r', ...s]);
  await box.ok(['host', 'add', 'b', '--router', 'r', ...s]);
  const out = join(box.dir, 'burst.jsonl');
  const fd = openSync(out, 'w');
  const listener = spawn(process.execPath, [BIN, 'listen', 'b:7', '--json', '--count', String(N), ...s], { env: box.env, stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => listener.once('exit', (code) => resolve(code)));
  let stderr = '';
  listener.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitUntil(() => stderr.includes('listening on'), 'listen to bind', 15_000);
    // 60-byte payloads: each item is over 64 MiB / 250k, so the whole burst is more than the old per-client limit.
    await box.ok(['send', 'a', 'b:7', '--count', String(N), '--interval', '1us', '--size', '60', ...s]);
    await box.ok(['clock', 'advance', '1s', ...s]);
    const timer = setTimeout(() => listener.kill('SIGKILL'), 120_000);
    const code = await exited;
    clearTimeout(timer);
    assert.equal(code, 0, stderr);
    let lines = 0;
    for await (const line of createInterface({ input: createReadStream(out) })) if (line !== '') lines++;
    assert.equal(lines, N);
  } finally {
    listener.kill('SIGKILL');
    await box.run(['down', ...s]);
  }
});
