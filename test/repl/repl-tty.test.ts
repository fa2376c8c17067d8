// `vnet repl` on a pseudo-terminal (util-linux `script`): completion, history across runs, Ctrl-C, live events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { requireScript } from '../e2e/pty.js';
import { PtyRepl, sandbox } from './helpers.js';

// These tests need a terminal: without `script` they fail loudly rather than skip.
requireScript();
const PROMPT = /vnet> $/;

/** `vnet repl ARGS` on a terminal in a sandbox of its own, given to `fn`; killed and cleaned up whatever happens. */
async function withRepl(args: string[], fn: (repl: PtyRepl) => Promise<void>): Promise<void> {
  const box = sandbox();
  const repl = new PtyRepl(args, box.env);
  try {
    await fn(repl);
  } finally {
    repl.kill();
    box.cleanup();
  }
}

/** Waits for the first prompt, adds the root router `internet` and waits for the next; returns the screen's length then. */
async function addInternet(repl: PtyRepl): Promise<number> {
  await repl.until(PROMPT);
  repl.type('router add internet --cidr 0.0.0.0/0\r');
  return repl.until(/router internet[^]*vnet> $/);
}

test('history is kept in a 0600 file and recalled with the up arrow in the next run', async () => {
  const box = sandbox();
  const first = new PtyRepl(['--clock', 'virtual'], box.env);
  let second: PtyRepl | undefined;
  try {
    await first.until(PROMPT);
    first.type('router add internet --cidr 0.0.0.0/0\r');
    await first.until(/router internet 0\.0\.0\.0\/0[^\n]*\n[^]*vnet> $/);
    assert.equal(await first.close(), 0);
    const path = join(box.dir, 'history');
    assert.equal(readFileSync(path, 'utf8'), 'router add internet --cidr 0.0.0.0/0\n');
    assert.equal(statSync(path).mode & 0o777, 0o600);

    second = new PtyRepl(['--clock', 'virtual'], box.env);
    const start = await second.until(PROMPT);
    second.type('\x1b[A\r'); // up arrow, Enter: the line from the first run, on this run's new session
    await second.until(/router internet 0\.0\.0\.0\/0/, start);
    assert.equal(await second.close(), 0);
  } finally {
    first.kill();
    second?.kill();
    box.cleanup();
  }
});

test('Tab completes commands, flags and node names from the session; confirmations are asked at the prompt', () =>
  withRepl(['--clock', 'virtual'], async (repl) => {
    let at = await addInternet(repl);
    repl.type('ho\t');
    at = await repl.until(/host $/, at);
    repl.type('ad\t');
    at = await repl.until(/add $/, at);
    repl.type('alice --rou\t');
    at = await repl.until(/--router $/, at);
    repl.type('int\t');
    at = await repl.until(/internet $/, at);
    repl.type('\r');
    at = await repl.until(/host alice \S+ on internet[^]*vnet> $/, at);
    // A destructive command asks through the REPL's own line editor.
    repl.type('host rm alice\r');
    at = await repl.until(/\[y\/N\] $/, at);
    repl.type('y\r');
    await repl.until(/removed alice/, at);
    assert.equal(await repl.close(), 0);
  }));

test('Ctrl-C cancels a running listen, not the REPL; at an empty prompt it prints a hint', () =>
  withRepl(['--clock', 'virtual'], async (repl) => {
    let at = await addInternet(repl);
    repl.type('host add alice --router internet\r');
    at = await repl.until(/host alice[^]*vnet> $/, at);
    repl.type('listen alice:7\r');
    at = await repl.until(/listening on \S+:7\n/, at);
    repl.type('\x03');
    at = await repl.until(/\^C\n[^]*vnet> $/, at);
    repl.type('\x03');
    at = await repl.until(/\(press Ctrl-D or type exit to leave\)\n[^]*vnet> $/, at);
    repl.type('host ls\r');
    await repl.until(/alice +\S+ +internet/, at);
    assert.equal(await repl.close(), 0);
  }));

test('events arriving while at the prompt print above it and keep the line being typed', () =>
  withRepl(['--clock', 'real'], async (repl) => {
    await repl.until(PROMPT);
    repl.type([
      'router add internet --cidr 0.0.0.0/0',
      'router add home --parent internet --cidr 192.168.1.0/24 --ip 203.0.113.10',
      'host add alice --router home',
      'host add server --router internet --ip 198.51.100.7',
      'filter add home/uplink --delay 1s',
      'send alice 198.51.100.7:7 --from-port 5000',
    ].join('\r') + '\r');
    const at = await repl.until(/sent 1 x [^]*vnet> $/);
    repl.type('router l');
    await repl.until(/drop port-unreachable at server\/eth0[^\n]*\nvnet> router l$/, at, 8000);
    repl.type('s\r');
    await repl.until(/home +192\.168\.1\.0\/24/, at);
    assert.equal(await repl.close(), 0);
  }));
