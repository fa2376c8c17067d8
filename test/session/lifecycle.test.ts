// Where sessions live and how they start and end: runtime directory, modes, stale and live sockets, daemons that die.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlServer } from '../../src/session/server.js';
import { ControlClient } from '../../src/session/client.js';
import { exitCodeOf } from '../../src/session/protocol.js';
import {
  listSessions, logPath, pidPath, runtimeDir, runtimeDirPath, sessionName, socketPath,
} from '../../src/session/runtime.js';
import { deferred, rejection, tempRuntime, within } from './helpers.js';

const SERVER_URL = new URL('../../src/session/server.js', import.meta.url).href;

/** A daemon in its own process serving `ping` and a `hang` that never answers; resolves once it listens. */
async function childDaemon(sock: string): Promise<{ child: ChildProcess; hanging: Promise<void>; kill(): Promise<void> }> {
  const code = `
    const { ControlServer } = await import(process.env.SERVER_URL);
    const s = new ControlServer((m) => {
      if (m === 'hang') { process.stdout.write('hanging\\n'); return new Promise(() => {}); }
      return 'pong';
    }, { socketPath: process.env.SOCK });
    await s.listen();
    process.stdout.write('ready\\n');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, SERVER_URL, SOCK: sock },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = deferred();
  const hanging = deferred();
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    if (out.includes('ready\n')) ready.resolve();
    if (out.includes('hanging\n')) hanging.resolve();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.once('exit', (code) => ready.reject(new Error(`the child daemon exited (${code}) before it listened`)));
  try {
    await within(ready.promise, 5000, 'the child daemon to listen');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    child,
    hanging: hanging.promise,
    kill: async () => {
      child.kill('SIGKILL');
      await within(exited, 5000, 'the child daemon to die');
    },
  };
}

test('runtimeDir: VNET_RUNTIME_DIR, else XDG_RUNTIME_DIR/vnet, else tmpdir/vnet-<uid>; created 0700', () => {
  const rt = tempRuntime();
  try {
    const uid = process.getuid!();
    assert.equal(runtimeDirPath({ VNET_RUNTIME_DIR: '/a', XDG_RUNTIME_DIR: '/b' }), '/a');
    assert.equal(runtimeDirPath({ XDG_RUNTIME_DIR: '/b' }), '/b/vnet');
    assert.equal(runtimeDirPath({}), join(tmpdir(), `vnet-${uid}`));
    const old = process.umask(0);
    let dir: string;
    try {
      dir = runtimeDir({ XDG_RUNTIME_DIR: rt.dir });
    } finally {
      process.umask(old);
    }
    assert.equal(dir, join(rt.dir, 'vnet'));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(runtimeDir({ XDG_RUNTIME_DIR: rt.dir }), dir, 'an existing, private directory is used as is');
  } finally {
    rt.cleanup();
  }
});

test('runtimeDir refuses a directory others may write to, or a file, with EPERM naming the path and the mend', () => {
  const rt = tempRuntime();
  try {
    const open = join(rt.dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    assert.throws(() => runtimeDir({ VNET_RUNTIME_DIR: open }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'EPERM');
      assert.match(err.message, new RegExp(`${open}.*mode 0777.*chmod 700 ${open}`));
      return true;
    });
    const file = join(rt.dir, 'file');
    writeFileSync(file, '');
    assert.throws(() => runtimeDir({ VNET_RUNTIME_DIR: file }), { code: 'EPERM' });
  } finally {
    rt.cleanup();
  }
});

test('session names and paths', () => {
  const rt = tempRuntime();
  try {
    assert.equal(sessionName(undefined, {}), 'default');
    assert.equal(sessionName(undefined, { VNET_SESSION: 'lab' }), 'lab');
    assert.equal(sessionName(undefined, { VNET_SESSION: '' }), 'default');
    assert.equal(sessionName('cli.1', { VNET_SESSION: 'lab' }), 'cli.1');
    for (const bad of ['', '-x', '../x', 'a/b', 'a b', 'x'.repeat(65)]) {
      assert.throws(() => sessionName(bad, {}), { code: 'EINVAL' }, bad);
    }
    assert.equal(sessionName('x'.repeat(64), {}), 'x'.repeat(64));
    assert.equal(socketPath('lab', rt.env), join(rt.dir, 'lab.sock'));
    assert.equal(pidPath('lab', rt.env), join(rt.dir, 'lab.pid'));
    assert.equal(logPath('lab', rt.env), join(rt.dir, 'lab.log'));
    assert.throws(() => socketPath('a/b', rt.env), { code: 'EINVAL' });
    const deep = join(rt.dir, 'd'.repeat(100));
    assert.throws(() => socketPath('default', { VNET_RUNTIME_DIR: deep }), /VNET_RUNTIME_DIR to a shorter directory/);
  } finally {
    rt.cleanup();
  }
});

test('the socket file is created with mode 0600 whatever the umask, and removed on close', async () => {
  const rt = tempRuntime();
  const server = new ControlServer(() => 'ok', { socketPath: rt.sock });
  const old = process.umask(0);
  try {
    await within(server.listen(), 2000, 'listen');
    process.umask(old);
    const st = lstatSync(rt.sock);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
  } finally {
    process.umask(old);
    await within(server.close(), 3000, 'close');
    assert.equal(existsSync(rt.sock), false);
    rt.cleanup();
  }
});

test('no socket: the client says ENOSESSION (exit 3) and how to start one', async () => {
  const rt = tempRuntime();
  try {
    const err = await rejection(ControlClient.connect(rt.sock), 2000, 'connect');
    assert.equal(err.code, 'ENOSESSION');
    assert.equal(exitCodeOf(err), 3);
    assert.equal(err.message, `no session "default" is running (no socket at ${rt.sock}); start one with \`vnet up\``);
  } finally {
    rt.cleanup();
  }
});

test('a daemon that died leaves a stale socket: the client says ESTALE, a new server recovers the path', async () => {
  const rt = tempRuntime();
  const sock = socketPath('lab', rt.env);
  const daemon = await childDaemon(sock);
  const server = new ControlServer(() => 'new', { socketPath: sock });
  try {
    writeFileSync(pidPath('lab', rt.env), `${daemon.child.pid}\n`);
    assert.deepEqual(listSessions(rt.env), [{ name: 'lab', pid: daemon.child.pid, alive: true }]);
    await daemon.kill();
    assert.ok(lstatSync(sock).isSocket(), 'SIGKILL leaves the socket file behind');
    assert.deepEqual(listSessions(rt.env), [{ name: 'lab', pid: daemon.child.pid, alive: false }]);
    const err = await rejection(ControlClient.connect(sock), 2000, 'connect to a stale socket');
    assert.equal(err.code, 'ESTALE');
    assert.equal(exitCodeOf(err), 3);
    assert.equal(err.message, `session "lab" is not running: its daemon died and left ${sock}; \`vnet up\` recovers it`);
    await within(server.listen(), 3000, 'listen over a stale socket');
    const c = await within(ControlClient.connect(sock), 2000, 'connect');
    assert.equal(await within(c.call('x'), 2000, 'call'), 'new');
    c.close();
  } finally {
    await within(server.close(), 3000, 'close');
    rt.cleanup();
  }
});

test('a second server on a live socket is refused with EEXIST naming the session; the first keeps serving', async () => {
  const rt = tempRuntime();
  const sock = socketPath('lab', rt.env);
  const first = new ControlServer(() => 'first', { socketPath: sock });
  const second = new ControlServer(() => 'second', { socketPath: sock });
  try {
    await within(first.listen(), 2000, 'listen');
    const err = await rejection(second.listen(), 3000, 'the second listen');
    assert.equal(err.code, 'EEXIST');
    assert.equal(exitCodeOf(err), 2);
    assert.match(String(err.message), /session "lab" is already running .*vnet down/);
    const c = await within(ControlClient.connect(sock), 2000, 'connect');
    assert.equal(await within(c.call('x'), 2000, 'call'), 'first');
    c.close();
  } finally {
    await within(second.close(), 3000, 'close second');
    await within(first.close(), 3000, 'close first');
    rt.cleanup();
  }
});

test('a path that is not a socket is left alone: listen refuses with EEXIST', async () => {
  const rt = tempRuntime();
  const server = new ControlServer(() => 'x', { socketPath: rt.sock });
  try {
    writeFileSync(rt.sock, 'not a socket');
    const err = await rejection(server.listen(), 2000, 'listen');
    assert.equal(err.code, 'EEXIST');
    assert.match(String(err.message), /is not a socket; remove it/);
    assert.ok(existsSync(rt.sock));
  } finally {
    await within(server.close(), 3000, 'close');
    rt.cleanup();
  }
});

test('server closed during calls: aborted calls fail ESTALE (exit 3) promptly; a stream may end with its result', async () => {
  const rt = tempRuntime();
  const started = deferred();
  let n = 0;
  const server = new ControlServer(
    (m, _p, ctx) => {
      if (++n === 3) started.resolve();
      if (m === 'ignore') return new Promise(() => {}); // ignores its signal
      return new Promise((resolve, reject) => {
        ctx.signal.addEventListener('abort', () => {
          if (m === 'stream') resolve({ ended: 'shutdown' });
          else reject(ctx.signal.reason);
        });
      });
    },
    { socketPath: rt.sock, closeGraceMs: 100 },
  );
  try {
    await within(server.listen(), 2000, 'listen');
    const c = await within(ControlClient.connect(rt.sock), 2000, 'connect');
    const honours = c.call('honours');
    const ignores = c.call('ignore');
    const stream = c.call('stream');
    await within(started.promise, 2000, 'the calls to start');
    const t0 = performance.now();
    const closing = server.close();
    const e1 = await rejection(honours, 1000, 'the call that honours its signal');
    assert.deepEqual([e1.code, e1.exit], ['ESTALE', 3]);
    assert.match(String(e1.message), /shutting down/);
    assert.deepEqual(await within(stream, 1000, 'the stream'), { ended: 'shutdown' });
    const e2 = await rejection(ignores, 1000, 'the call that ignores its signal');
    assert.deepEqual([e2.code, e2.exit], ['ESTALE', 3]);
    assert.match(String(e2.message), /went away during the call/);
    await within(closing, 2000, 'close');
    assert.ok(performance.now() - t0 < 1500, 'close takes the grace period, not longer');
    const after = await rejection(c.call('late'), 1000, 'a call after the server closed');
    assert.equal(after.code, 'ESTALE');
    c.close();
  } finally {
    await within(server.close(), 3000, 'close');
    rt.cleanup();
  }
});

test('a daemon killed during a call: the call rejects ESTALE (exit 3) at once instead of hanging', async () => {
  const rt = tempRuntime();
  const daemon = await childDaemon(rt.sock);
  try {
    const c = await within(ControlClient.connect(rt.sock), 2000, 'connect');
    assert.equal(await within(c.call('ping'), 2000, 'ping'), 'pong');
    const call = c.call('hang');
    call.catch(() => {}); // it rejects while we wait for the kill; checked below
    await within(daemon.hanging, 2000, 'the call to reach the daemon');
    await daemon.kill();
    const err = await rejection(call, 2000, 'the call to a dead daemon');
    assert.equal(err.code, 'ESTALE');
    assert.equal(exitCodeOf(err), 3);
    assert.match(String(err.message), /^the session daemon went away during the call \(hang\)/);
    c.close();
  } finally {
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) await daemon.kill();
    rt.cleanup();
  }
});
