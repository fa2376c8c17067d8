// The REPL's line runner with the real commands on an in-process session: scripts, errors with FILE:LINE,
// the REPL's own words, and Ctrl-C cancelling a running command.
import { after, before, beforeEach, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '@oclif/core';
import { useInProcessSession } from '../../src/cli/base.js';
import { Session } from '../../src/session/session.js';
import { CommandTable } from '../../src/repl/command-table.js';
import { LineRunner, MAX_SOURCE_DEPTH } from '../../src/repl/runner.js';
import { ROOT } from './helpers.js';

let config: Config;
let table: CommandTable;
let dir: string;
let session: Session;
let out: string[];
let err: string[];
let restore: () => void;

before(async () => {
  config = await Config.load(ROOT);
  table = new CommandTable(config.commands, config.bin);
  dir = mkdtempSync(join(tmpdir(), 'vnet-runner-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  session = new Session({ clock: 'virtual', seed: 1 });
  useInProcessSession(session);
  out = [];
  err = [];
  // Commands print through process.stdout/stderr: keep a copy of what they print (stdout also carries
  // the test runner's own report, so it is passed on; stderr is only recorded).
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((s: string | Uint8Array, ...rest: unknown[]) => {
    out.push(...String(s).split('\n').filter(Boolean));
    return (write.out as (...a: unknown[]) => boolean).call(process.stdout, s, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(...String(s).split('\n').filter(Boolean)), true)) as typeof process.stderr.write;
  restore = () => {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  };
});
afterEach(() => {
  restore();
  useInProcessSession(null);
  session.close();
});

function runner(opts: { bail?: boolean; attachedTo?: string | null } = {}): LineRunner {
  return new LineRunner({
    table, attachedTo: opts.attachedTo ?? null, bail: opts.bail,
    host: { runCommand: (id, argv) => config.runCommand(id, argv), showHelp: async (id) => void out.push(`help for ${id}`) },
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
}

function script(name: string, lines: string[]): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, lines.join('\n'));
  return path;
}

/** Turns of the event loop until `cond` holds (bounded: 1000 turns). */
/** Waits (bounded: 5 s of wall time) for what the runner does asynchronously, e.g. loading a command's module the first time. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

test('a command line runs on the in-process session; comments and blank lines do nothing', async () => {
  const r = runner();
  const never = new AbortController().signal;
  assert.equal(await r.run('router add internet --cidr 0.0.0.0/0   # the root', never), 'ok');
  assert.equal(await r.run('', never), 'ok');
  assert.equal(await r.run('   # just a comment', never), 'ok');
  assert.deepEqual(session.net.routers.map((x) => x.name), ['internet']);
  assert.deepEqual(err, []);
});

test('an error is one line, the runner goes on, and process.exitCode does not leak', async () => {
  const r = runner();
  const never = new AbortController().signal;
  const before = process.exitCode;
  assert.equal(await r.run('router add bad --cidr nope', never), 'failed');
  assert.equal(process.exitCode, before);
  assert.equal(await r.run('router add internet --cidr 0.0.0.0/0 --bogus', never), 'failed');
  assert.equal(await r.run('frobnicate now', never), 'failed');
  assert.equal(await r.run('router', never), 'failed');
  assert.equal(await r.run('send "unclosed', never), 'failed');
  assert.equal(await r.run('router add internet --cidr 0.0.0.0/0', never), 'ok');
  assert.equal(err.length, 5, `one line per error, got ${JSON.stringify(err)}`);
  assert.match(err[0], /^vnet: .*"nope" is not a CIDR/);
  assert.match(err[2], /^vnet: unknown command "frobnicate"; type `help` for the list$/);
  assert.match(err[3], /^vnet: "router" needs one of: add, iface, ls, rm, set, show$/);
  assert.match(err[4], /quote .* not closed/);
});

test('repl, up and down are refused with what to do instead; exit and quit end', async () => {
  const never = new AbortController().signal;
  const inProcess = runner();
  for (const line of ['repl', 'up --clock virtual', 'down']) assert.equal(await inProcess.run(line, never), 'failed', line);
  assert.match(err[0], /already the REPL/);
  assert.match(err[1], /holds its own session in this process; .*`vnet up`/);
  assert.match(err[2], /`exit` ends it/);
  assert.equal(await runner({ attachedTo: 'lab' }).run('down', never), 'failed');
  assert.match(err[3], /would stop session "lab" under this REPL/);
  assert.equal(await inProcess.run('exit', never), 'exit');
  assert.equal(await inProcess.run('quit', never), 'exit');
});

test('help lists the commands; help COMMAND and COMMAND --help show its help', async () => {
  const r = runner();
  const never = new AbortController().signal;
  assert.equal(await r.run('help', never), 'ok');
  assert.ok(out.some((l) => /^ {2}router add +Add a router/.test(l)), 'the list names router add with its summary');
  assert.ok(out.some((l) => /^ {2}source FILE/.test(l)));
  assert.ok(!out.some((l) => /^ {2}repl /.test(l)), 'refused commands are not listed');
  out.length = 0;
  assert.equal(await r.run('help router add', never), 'ok');
  assert.equal(await r.run('nat show --help', never), 'ok');
  assert.deepEqual(out, ['help for router:add', 'help for nat:show']);
});

test('source runs a script; errors name FILE:LINE and the lines after them still run', async () => {
  script('sub/hosts.vnet', ['# hosts', 'host add alice --router home', 'host add ghost --router nowhere', 'host add server --router internet --ip 198.51.100.7']);
  const main = script('main.vnet', [
    'router add internet --cidr 0.0.0.0/0',
    '',
    'router add home --parent internet --cidr 192.168.1.0/24 --nat symmetric --ip 203.0.113.10',
    'source sub/hosts.vnet   # relative to this file',
    'send alice 198.51.100.7:7 --from-port 5000',
    "clock advance 'oops",
    'clock advance 1s',
  ]);
  const outcome = await runner().run(`source ${main}`, new AbortController().signal);
  assert.equal(outcome, 'failed');
  assert.equal(err.length, 2, JSON.stringify(err));
  assert.equal(err[0], `vnet: ${join(dir, 'sub/hosts.vnet')}:3: no router named "nowhere"; routers: internet, home`);
  assert.match(err[1], new RegExp(`^vnet: ${join(dir, 'main.vnet')}:6: the single quote opened on this line is not closed`));
  assert.deepEqual(session.net.hosts.map((h) => h.name).sort(), ['alice', 'server']);
  const mappings = session.net.router('home').nat!.list();
  assert.equal(mappings.length, 1, 'the send made one NAT mapping');
  assert.equal(session.clockShow().timeNs, 1e9);
});

test('source with --bail stops at the first failing line; a missing file and a loop are one error each', async () => {
  const path = script('bail.vnet', ['router add a --cidr nope', 'router add internet --cidr 0.0.0.0/0']);
  const never = new AbortController().signal;
  assert.equal(await runner({ bail: true }).run(`source ${path}`, never), 'failed');
  assert.equal(session.net.routers.length, 0, 'nothing after the failing line ran');
  assert.equal(await runner().run(`source ${join(dir, 'missing.vnet')}`, never), 'failed');
  assert.match(err[1], /^vnet: cannot read .*missing\.vnet: no such file$/);
  const loop = script('loop.vnet', ['source loop.vnet']);
  assert.equal(await runner().run(`source ${loop}`, never), 'failed');
  assert.equal(err.length, 3, JSON.stringify(err));
  assert.match(err[2], new RegExp(`loop\\.vnet:1: source nests more than ${MAX_SOURCE_DEPTH} files deep`));
});

test('Ctrl-C (the interrupt signal) cancels a running listen, not the runner', async () => {
  const r = runner();
  const never = new AbortController().signal;
  await r.run('router add internet --cidr 0.0.0.0/0', never);
  await r.run('host add alice --router internet --ip 198.51.100.1', never);
  await r.run('host add bob --router internet --ip 198.51.100.2', never);
  const ctrlC = new AbortController();
  const listening = r.run('listen alice:7', ctrlC.signal);
  await until(() => err.some((l) => l.includes('listening on 198.51.100.1:7')), 'listen to bind');
  await r.run('send bob 198.51.100.1:7 --data hello --from-port 4000', never);
  await until(() => out.some((l) => l.includes('hello')), 'the datagram to print');
  ctrlC.abort();
  assert.equal(await listening, 'ok');
  assert.ok(out.some((l) => /^198\.51\.100\.2:4000 -> \S+ 5 bytes: hello$/.test(l)), 'listen printed the datagram with its source');
  assert.deepEqual(session.net.host('alice').udpBind(7).address(), { address: '0.0.0.0', family: 'IPv4', port: 7 }, 'the port is free again');
  assert.equal(await r.run('router ls', never), 'ok', 'the runner goes on');
});

test('Ctrl-C during a sourced script cancels its command and skips the rest of the script', async () => {
  const r = runner();
  const never = new AbortController().signal;
  await r.run('router add internet --cidr 0.0.0.0/0', never);
  await r.run('host add alice --router internet', never);
  const path = script('wait.vnet', ['listen alice:9', 'router add late --parent internet --cidr 10.0.0.0/8']);
  const ctrlC = new AbortController();
  const running = r.run(`source ${path}`, ctrlC.signal);
  await until(() => err.some((l) => l.includes('listening on')), 'listen to bind');
  ctrlC.abort();
  assert.equal(await running, 'failed');
  assert.match(err.at(-1) ?? '', /wait\.vnet:2: interrupted; the rest of .*wait\.vnet was not run/);
  assert.deepEqual(session.net.routers.map((x) => x.name), ['internet']);
});
