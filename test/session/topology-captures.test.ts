// Captures named by a topology file: nothing is opened until the whole apply is checked (a failure
// leaves every named file as it was), a dry run refuses what apply refuses, two captures never share
// a file (in one session or across sessions), and export writes capture files relative to its file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from '../../src/session/session.js';
import { apply, BASE, ctx, errorOf, newSession } from '../fixtures/topology/helpers.js';

function withDir(fn: (dir: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'vnet-topo-cap-'));
  const dir = join(root, 'files');
  mkdirSync(dir);
  const runtime = process.env.VNET_RUNTIME_DIR;
  // Claims of capture files go to this test's own runtime directory.
  process.env.VNET_RUNTIME_DIR = join(root, 'run');
  try {
    fn(dir);
  } finally {
    if (runtime === undefined) delete process.env.VNET_RUNTIME_DIR;
    else process.env.VNET_RUNTIME_DIR = runtime;
    rmSync(root, { recursive: true, force: true });
  }
}

const captures = (...lines: string[]): string => `${BASE}captures:\n${lines.map((l) => `  - ${l}\n`).join('')}`;

/** A rejected file: apply and its dry run give the same error, and nothing in `dir` changed. */
function refusedBoth(s: Session, text: string, dir: string, says: RegExp): void {
  const before = listing(dir);
  const dry = errorOf(() => apply(s, text, { baseDir: dir, dryRun: true }));
  const real = errorOf(() => apply(s, text, { baseDir: dir }));
  assert.equal(real.code, 'EINVAL', real.message);
  assert.match(real.message, says);
  assert.equal(dry.message, real.message, 'a dry run refuses what apply refuses');
  assert.deepEqual(listing(dir), before, 'no file made, changed or left behind');
  assert.deepEqual(s.captures.list().filter((c) => c.state === 'running').length, 0);
}

/** Every file under dir with its content. */
function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    try {
      out[name] = readFileSync(p, 'latin1');
    } catch {
      out[name] = '(dir)';
    }
  }
  return out;
}

test('a failed apply leaves the files of earlier captures untouched (not truncated), and its dry run fails the same way', () => withDir((dir) => {
  writeFileSync(join(dir, 'keep.pcapng'), 'earlier capture, keep me');
  const s = newSession();
  try {
    refusedBoth(s, captures('{ on: [home/uplink], file: keep.pcapng }', '{ on: [server], file: missing/server.pcapng }'), dir,
      /^topo\.yaml:13: captures\[1\]: cannot write capture file ".*missing\/server\.pcapng": the directory .*missing does not exist/);
    assert.equal(readFileSync(join(dir, 'keep.pcapng'), 'utf8'), 'earlier capture, keep me');
  } finally {
    s.close();
  }
}));

test('a dry run checks what apply checks: interfaces named twice, a directory, a symlink, one file twice', () => withDir((dir) => {
  mkdirSync(join(dir, 'sub'));
  symlinkSync(join(dir, 'elsewhere.pcapng'), join(dir, 'link.pcapng'));
  const s = newSession();
  try {
    refusedBoth(s, captures('{ on: [alice, alice/eth0], file: a.pcapng }'), dir, /^topo\.yaml:12: captures\[0\]: interface alice\/eth0 is given twice/);
    refusedBoth(s, captures('{ on: [alice], file: sub }'), dir, /^topo\.yaml:12: captures\[0\]: capture file ".*sub" is a directory/);
    refusedBoth(s, captures('{ on: [alice], file: link.pcapng }'), dir, /^topo\.yaml:12: captures\[0\]: capture file ".*link\.pcapng" is a symbolic link to .*elsewhere\.pcapng; give --follow-symlink/);
    refusedBoth(s, captures('{ on: [alice], file: x.pcapng }', '{ on: [server], file: ./x.pcapng }'), dir,
      /^topo\.yaml:13: captures\[1\]: captures\[0\] writes .*x\.pcapng too; give each capture its own file/);
    assert.equal(existsSync(join(dir, 'elsewhere.pcapng')), false, 'nothing written through the link');
  } finally {
    s.close();
  }
}));

test('a capture file another capture writes is refused: in this session, and in another one', () => withDir((dir) => {
  const a = newSession();
  const b = new Session({ clock: 'virtual', name: 'other' });
  try {
    apply(a, captures('{ on: [home/uplink], file: up.pcapng }'), { baseDir: dir });
    const header = readFileSync(join(dir, 'up.pcapng'));
    // The same file from another capture of this session: exit 2, the running capture named.
    const same = errorOf(() => a.call('capture.start', { on: ['alice'], file: join(dir, 'up.pcapng') }, ctx));
    assert.equal(same.code, 'EINVAL');
    assert.match(same.message, /^capture file ".*up\.pcapng" is already written by capture 1 on home\/uplink; stop it first \(`vnet capture stop 1`\)/);
    // Another session: refused while the first writes it, by apply, its dry run and capture start.
    apply(b, BASE);
    refusedBoth(b, captures('{ on: [home/uplink], file: up.pcapng }'), dir, /captures\[0\]: capture file ".*up\.pcapng" is being written by session default \(pid \d+\); stop that capture first/);
    assert.match(errorOf(() => b.call('capture.start', { on: ['alice'], file: join(dir, 'up.pcapng') }, ctx)).message, /is being written by session default/);
    assert.deepEqual(readFileSync(join(dir, 'up.pcapng')), header, 'the first capture\'s file is untouched');
    // Once the first stops, the file is free.
    a.call('capture.stop', { all: true }, ctx);
    const started = b.call('capture.start', { on: ['alice'], file: join(dir, 'up.pcapng') }, ctx) as { state: string };
    assert.equal(started.state, 'running');
  } finally {
    a.close();
    b.close();
  }
}));

test('a claim left by a process that died (kill -9) is stale and taken over', () => withDir((dir) => {
  const s = newSession();
  try {
    // What a killed session leaves: a claim naming a pid that no longer runs.
    const claims = join(dir, '..', 'run', 'captures');
    apply(s, captures('{ on: [home/uplink], file: up.pcapng }'), { baseDir: dir });
    const [claim] = readdirSync(claims);
    const body = readFileSync(join(claims, claim), 'utf8');
    s.call('capture.stop', { all: true }, ctx);
    assert.deepEqual(readdirSync(claims), [], 'stop releases the claim');
    writeFileSync(join(claims, claim), body.replace(/"pid":\d+/, '"pid":2147483646'));
    apply(s, captures('{ on: [home/uplink], file: up.pcapng }'), { baseDir: dir });
    assert.equal(s.captures.list().filter((c) => c.state === 'running').length, 1);
  } finally {
    s.close();
  }
}));

test('export writes capture files relative to the file it writes; up -f of it elsewhere makes its own', () => withDir((dir) => {
  mkdirSync(join(dir, 'caps'));
  mkdirSync(join(dir, 'copy'));
  mkdirSync(join(dir, 'copy', 'caps'));
  const s = newSession();
  const t = new Session({ clock: 'virtual', name: 'copy' });
  try {
    apply(s, captures('{ on: [home/uplink], file: caps/up.pcapng }'), { baseDir: dir });
    const { yaml } = s.call('topology.export', { baseDir: dir }, ctx) as { yaml: string };
    assert.match(yaml, /captures:\n {2}- \{ on: \[ home\/uplink \], file: caps\/up\.pcapng \}/);
    const { yaml: absolute } = s.call('topology.export', {}, ctx) as { yaml: string };
    assert.ok(absolute.includes(join(dir, 'caps', 'up.pcapng')), 'without a base directory the path stays absolute');
    // The exported file copied to another directory: its capture goes there, next to it.
    apply(t, yaml, { baseDir: join(dir, 'copy') });
    assert.deepEqual(t.captures.list().map((c) => c.file), [join(dir, 'copy', 'caps', 'up.pcapng')]);
  } finally {
    s.close();
    t.close();
  }
}));
