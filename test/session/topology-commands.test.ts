// `vnet apply -f` and `vnet export -o` as commands, run in this process on an in-process session:
// files read and written (atomically), errors as one stderr line with exit code 2.
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readdirSync, readFileSync, rmSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from '@oclif/core';
import { useInProcessSession } from '../../src/cli/base.js';
import type { Session } from '../../src/session/session.js';
import { BASE, exportYaml, newSession, statusText } from '../fixtures/topology/helpers.js';

/** The package root (dist/test/session → ../../..). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let config: Config;
let dir: string;
let session: Session;
let out: string[];
let err: string[];

before(async () => {
  config = await Config.load(ROOT);
  dir = mkdtempSync(join(tmpdir(), 'vnet-topology-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  session = newSession();
  useInProcessSession(session);
  out = [];
  err = [];
});
afterEach(() => {
  useInProcessSession(null);
  session.close();
});

/** Keeps what commands print while `fn` runs. Commands write strings; the test runner's own report (bytes) passes on. */
async function capturing<T>(fn: () => Promise<T>): Promise<T> {
  const write = { out: process.stdout.write, err: process.stderr.write };
  const keep = (list: string[], real: typeof process.stdout.write, stream: NodeJS.WriteStream) => ((s: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof s === 'string') {
      list.push(s);
      return true;
    }
    return (real as (...a: unknown[]) => boolean).call(stream, s, ...rest);
  }) as typeof process.stdout.write;
  process.stdout.write = keep(out, write.out, process.stdout);
  process.stderr.write = keep(err, write.err, process.stderr);
  try {
    return await fn();
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

/** Runs a command; returns its exit code (0 when it returned). */
async function run(argv: string[]): Promise<number> {
  try {
    await capturing(() => config.runCommand(argv[0], argv.slice(1)));
    return 0;
  } catch (e) {
    const code = (e as { oclif?: { exit?: number } }).oclif?.exit;
    if (code === undefined) throw e;
    process.exitCode = 0; // the command set it for a real process; this one is the test runner
    return code;
  }
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('apply -f builds the session and prints what it created', async () => {
  const code = await run(['apply', '-f', file('base.yaml', BASE)]);
  assert.equal(code, 0);
  assert.ok(session.net.has('alice'));
  const text = out.join('');
  assert.match(text, /created routers: internet, home\n/);
  assert.match(text, /created hosts: alice, server\n/);
});

test('apply --dry-run --json prints the summary and changes nothing', async () => {
  const before = statusText(session);
  assert.equal(await run(['apply', '-f', file('dry.yaml', BASE), '--dry-run', '--json']), 0);
  const summary = JSON.parse(out.join('')) as { dryRun: boolean; created: { routers: string[] } };
  assert.equal(summary.dryRun, true);
  assert.deepEqual(summary.created.routers, ['internet', 'home']);
  assert.equal(statusText(session), before);
});

test('apply of a bad file exits 2 with one line naming file and line', async () => {
  const path = file('bad.yaml', 'hosts:\n  - { name: bob, router: nowhere }\n');
  const before = statusText(session);
  assert.equal(await run(['apply', '-f', path]), 2);
  assert.deepEqual(err, [`vnet: ${path}:2: hosts[0]: router: no router named "nowhere" in the file or the network (routers: (none)); add it or fix the name\n`]);
  assert.equal(statusText(session), before);
});

test('apply of a missing file exits 2 naming it', async () => {
  assert.equal(await run(['apply', '-f', join(dir, 'missing.yaml')]), 2);
  assert.match(err.join(''), /^vnet: no topology file .*missing\.yaml; check the path/);
});

test('export -o replaces the file atomically with the session\'s YAML', async () => {
  await run(['apply', '-f', file('base2.yaml', BASE)]);
  const target = file('out.yaml', 'old content\n');
  out = [];
  assert.equal(await run(['export', '-o', target]), 0);
  assert.equal(readFileSync(target, 'utf8'), exportYaml(session));
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temp file left behind');
  assert.match(out.join(''), /^wrote .*out\.yaml: 2 routers, 2 hosts, 1 filter, 1 name\n$/);

  // The written file rebuilds the session elsewhere.
  const other = newSession();
  useInProcessSession(other);
  try {
    assert.equal(await run(['apply', '-f', target]), 0);
    assert.equal(exportYaml(other), exportYaml(session));
  } finally {
    useInProcessSession(session);
    other.close();
  }
});

test('export without -o prints the YAML; --json prints the topology', async () => {
  await run(['apply', '-f', file('base3.yaml', BASE)]);
  out = [];
  await run(['export']);
  assert.equal(out.join(''), exportYaml(session));
  out = [];
  await run(['export', '--json']);
  const topo = JSON.parse(out.join('')) as { routers: { name: string }[] };
  assert.deepEqual(topo.routers.map((r) => r.name), ['internet', 'home']);
});

test('export -o into a missing directory exits 2 and says so', async () => {
  assert.equal(await run(['export', '-o', join(dir, 'nodir', 'x.yaml')]), 2);
  assert.match(err.join(''), /the directory .*nodir does not exist; create it first/);
});

test('export -o, init and capture start -w refuse a symbolic link planted at the path; --follow-symlink writes where it points', async () => {
  await run(['apply', '-f', file('base-links.yaml', BASE)]);
  const victim = file('victim.txt', 'not yours\n');
  const cases: { name: string; argv: (path: string) => string[] }[] = [
    { name: 'export', argv: (p) => ['export', '-o', p] },
    { name: 'init', argv: (p) => ['init', p, '--defaults', '--force'] },
    { name: 'capture start', argv: (p) => ['capture:start', 'alice', '-w', p] },
  ];
  for (const c of cases) {
    const link = join(dir, `planted-${c.name.replace(' ', '-')}`);
    symlinkSync(victim, link);
    err = [];
    assert.equal(await run(c.argv(link)), 2, `${c.name}: exit 2`);
    assert.match(err.join(''), /is a symbolic link.*; give --follow-symlink/, c.name);
    assert.equal(readFileSync(victim, 'utf8'), 'not yours\n', `${c.name}: nothing written through the link`);
    assert.ok(lstatSync(link).isSymbolicLink(), `${c.name}: the link stays`);

    // Asked for: the file the link points to is written (replaced), and the link still points to it.
    const target = join(dir, `wanted-${c.name.replace(' ', '-')}`);
    const wanted = join(dir, `wanted-link-${c.name.replace(' ', '-')}`);
    writeFileSync(target, 'old\n');
    symlinkSync(target, wanted);
    assert.equal(await run([...c.argv(wanted), '--follow-symlink']), 0, `${c.name} --follow-symlink: ${err.join('')}`);
    assert.notEqual(readFileSync(wanted, 'latin1'), 'old\n', `${c.name}: written through the link as asked`);
    assert.ok(lstatSync(wanted).isSymbolicLink());
  }
  await run(['capture:stop', '--all']);
});

test('capture start -w of a file another capture writes exits 2 naming that capture', async () => {
  await run(['apply', '-f', file('base-twice.yaml', BASE)]);
  const path = join(dir, 'twice.pcapng');
  assert.equal(await run(['capture:start', 'alice', '-w', path]), 0);
  const header = readFileSync(path);
  err = [];
  assert.equal(await run(['capture:start', 'server', '-w', path]), 2);
  assert.match(err.join(''), /^vnet: capture file ".*twice\.pcapng" is already written by capture 1 on alice\/eth0; stop it first/);
  assert.deepEqual(readFileSync(path), header, 'the first capture\'s file is untouched');
  await run(['capture:stop', '--all']);
});

test('apply of an alias bomb, an undefined alias or a file nested 10,000 deep exits 2 with one line naming FILE:LINE', async () => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f']]) bomb.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
  const cases: [string, string, RegExp][] = [
    ['bomb.yaml', `${bomb.join('\n')}\n`, /^vnet: .*bomb\.yaml:5: aliases up to \*d expand to \d+ nodes/],
    ['alias.yaml', 'version: 1\nrouters: [*nope]\n', /^vnet: .*alias\.yaml:2: alias \*nope names no anchor before it/],
    ['deep.yaml', `version: 1\nrouters: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`, /^vnet: .*deep\.yaml:2: lists and maps nest more than 32 levels deep/],
  ];
  for (const [name, text, says] of cases) {
    err = [];
    assert.equal(await run(['apply', '-f', file(name, text)]), 2, name);
    assert.equal(err.length, 1, `${name}: one line: ${err.join('')}`);
    assert.match(err[0], says);
  }
});
