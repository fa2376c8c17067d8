#!/usr/bin/env node
// `npm test`: every compiled test file under dist/test (or the files named on the command line), run
// with Node's test runner. The system programs the tests drive are installed first when missing
// (scripts/test-tools.js). Files run in parallel, each in a `node --test` of its own in its own
// process group; when a file ends, whatever it left running (its group, and detached daemons found
// by the run tag in their environment) is killed and named: leaving a process behind fails the run.
// A file in which no test starts or ends for VNET_TEST_TIMEOUT seconds (a test, a hook, or a handle
// keeping the file's process alive after its last test) is stopped, naming the test it was in; the
// run as a whole has a time limit too, after which it stops, naming the tests still running.
//
// Environment: VNET_TEST_CONCURRENCY (files at once; default 2 per core, at least 4),
// VNET_TEST_TIMEOUT (seconds a file may go without a test starting or ending; default 120),
// VNET_TEST_TIME_LIMIT (seconds for the whole run; default 900).
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { fileURLToPath, URL } from 'node:url';
import { ensureTools } from './test-tools.js';
import { PROGRESS_MARK } from './test-progress.js';
import { killTagged, RUN_TAG } from './test-processes.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const seconds = (name, fallback) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`npm test: ${name}=${process.env[name]} is not a positive number of seconds`);
    process.exit(2);
  }
  return v;
};
const concurrency = Math.floor(seconds('VNET_TEST_CONCURRENCY', Math.max(4, 2 * availableParallelism())));
const testTimeoutS = seconds('VNET_TEST_TIMEOUT', 120);
const timeLimitS = seconds('VNET_TEST_TIME_LIMIT', 900);

/** Ends a file's process after its last test even if a handle (a child's pipe) would keep it alive (Node >= 20.14). */
const [major, minor] = process.versions.node.split('.').map(Number);
const FORCE_EXIT = major > 20 || (major === 20 && minor >= 14) ? ['--test-force-exit'] : [];

/** Slow directories first, so the run does not end waiting on one late long file. */
const FIRST = ['e2e', 'repl', 'session', 'bridge', 'capture', 'cli'];

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

function order(files) {
  const rank = (f) => {
    const i = FIRST.findIndex((d) => f.split(/[\\/]/).includes(d));
    return i < 0 ? FIRST.length : i;
  };
  return files.map((f, i) => [rank(f), i, f]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, , f]) => f);
}

const problem = ensureTools();
if (problem) {
  console.error(`npm test: ${problem}`);
  process.exit(1);
}

const named = process.argv.slice(2);
const files = order(named.length > 0 ? named : find('dist/test'));
if (files.length === 0) {
  console.error('npm test: no test files under dist/test; run `npm run build` first');
  process.exit(1);
}

const started = Date.now();
const runId = `${process.pid}-${started}`;
const totals = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
const failures = [];
/** Files running now, by their index in `files`: { file, child, tag, running (test names by nesting), since, output, counted }. */
const running = new Map();
let next = 0;
let stopping = false;

function startFile(file) {
  const tag = `${runId}-${next}`;
  const env = { ...process.env, [RUN_TAG]: process.env[RUN_TAG] ? `${process.env[RUN_TAG]}:${tag}` : tag };
  delete env.NODE_TEST_CONTEXT; // a runner started from inside a test still reports for itself
  const args = [
    '--test', ...FORCE_EXIT,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${join(here, 'test-progress.js')}`, '--test-reporter-destination=stderr',
    file,
  ];
  const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { file, child, tag, started: Date.now(), running: [], since: [], lastEvent: Date.now(), output: [], counted: {}, seen: { tests: 0, pass: 0, fail: 0, skipped: 0, todo: 0 }, stuck: null };
  const id = next;
  running.set(id, state);
  child.stdout.setEncoding('utf8').on('data', (d) => state.output.push(d));
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (d) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop();
    for (const l of lines) {
      if (l.startsWith(PROGRESS_MARK)) progress(state, JSON.parse(l.slice(PROGRESS_MARK.length)));
      else state.output.push(`${l}\n`);
    }
  });
  child.on('close', (code, signal) => finishFile(id, state, code, signal));
}

function progress(state, p) {
  state.lastEvent = Date.now();
  if (p.at === 'start' && resolve(p.name) !== resolve(state.file)) {
    state.running.length = p.nesting;
    state.since.length = p.nesting;
    state.running.push(p.name);
    state.since.push(Date.now());
  } else if (p.at === 'end') {
    state.running.length = Math.min(state.running.length, p.nesting);
    state.since.length = state.running.length;
    if (p.ok !== undefined && resolve(p.name) !== resolve(state.file)) {
      state.seen.tests += 1;
      state.seen[p.skip ? 'skipped' : p.todo ? 'todo' : p.ok ? 'pass' : 'fail'] += 1;
    }
  } else if (p.at === 'total') {
    state.counted[p.key] = p.count;
  }
}

function finishFile(id, state, code, signal) {
  if (!running.has(id)) return;
  running.delete(id);
  const file = state.file;
  const leftovers = sweep(state);
  process.stdout.write(`\n# ${relative('.', file)} (${((Date.now() - state.started) / 1000).toFixed(1)} s)\n`);
  process.stdout.write(state.output.join('').replace(/^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) [\d.]+\n/gm, ''));
  // A file stopped before its end printed no totals: count the tests it reported, and the stuck one as failed.
  if (state.counted.tests === undefined) state.counted = { ...state.seen, fail: state.seen.fail + (state.stuck ? 1 : 0), tests: state.seen.tests + (state.stuck ? 1 : 0) };
  for (const k of Object.keys(totals)) totals[k] += state.counted[k] ?? 0;
  if (state.stuck) failures.push(state.stuck);
  else if ((state.counted.fail ?? 0) > 0 || (state.counted.cancelled ?? 0) > 0) failures.push(`${relative('.', file)}: ${state.counted.fail ?? 0} failed, ${state.counted.cancelled ?? 0} cancelled`);
  else if (code !== 0) failures.push(`${relative('.', file)}: the test runner exited with ${code ?? signal}`);
  if (leftovers.length > 0) {
    failures.push(`${relative('.', file)}: left processes running (now killed): ${leftovers.join('; ')}`);
  }
  launch();
}

/** Kills the file's process group and every process carrying its tag; returns what was still running. */
function sweep(state) {
  // The runner and the file's own process are not leftovers: they are ending, or killed with the group.
  const runner = state.child.pid;
  const left = killTagged(state.tag, (p) => p.pid === runner || (p.ppid === runner && p.cmd.startsWith(process.execPath)));
  try {
    process.kill(-state.child.pid, 'SIGKILL'); // anything that dropped the tag from its environment
  } catch {
    // the group is empty
  }
  return left;
}

function launch() {
  if (stopping) return;
  while (running.size < concurrency && next < files.length) {
    startFile(files[next]);
    next += 1;
  }
  if (running.size === 0 && next >= files.length) summary();
}

function summary() {
  clearTimeout(watchdog);
  clearInterval(stuckCheck);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\nℹ ${files.length} files, ${totals.tests} tests: ${totals.pass} passed, ${totals.fail} failed, ${totals.cancelled} cancelled, ${totals.skipped} skipped, ${totals.todo} todo; ${secs} s with ${concurrency} files at a time`);
  if (failures.length > 0) {
    console.log(`✖ ${failures.join('\n✖ ')}`);
    process.exit(1);
  }
}

/** What a file is doing now: the test it is in (outermost first), or where it is between tests. */
function doing(state) {
  return state.running.length > 0 ? state.running.join(' › ') : '(between tests: a hook, or something keeping the file running after its last test)';
}

/** Stops every file in which nothing has happened for VNET_TEST_TIMEOUT: its test fails by name. */
function checkStuck() {
  for (const state of running.values()) {
    if (state.stuck || Date.now() - state.lastEvent < testTimeoutS * 1000) continue;
    const what = `${relative('.', state.file)} › ${doing(state)}`;
    const killed = sweep(state); // its 'close' follows and reports it
    state.stuck = `${what}: no test started or ended for ${testTimeoutS} s (VNET_TEST_TIMEOUT); stopped${killed.length > 0 ? `, killing ${killed.join('; ')}` : ''}`;
    state.output.push(`✖ ${state.stuck}\n`);
  }
}

/** Stops the run: names what is still running, kills every file's processes, fails. */
function stop(reason) {
  if (stopping) return;
  stopping = true;
  const lines = [];
  for (const state of running.values()) {
    const file = state.file;
    const test = doing(state);
    const since = state.since.length > 0 ? ` for ${((Date.now() - state.since.at(-1)) / 1000).toFixed(0)} s` : '';
    lines.push(`${relative('.', file)} › ${test}${since}`);
    process.stdout.write(`\n# ${relative('.', file)} (stopped)\n${state.output.join('')}`);
    const left = sweep(state);
    if (left.length > 0) lines.push(`  killed: ${left.join('; ')}`);
  }
  console.error(`\nnpm test: ${reason}; still running:\n  ${lines.join('\n  ') || '(nothing)'}`);
  process.exit(1);
}

const stuckCheck = setInterval(checkStuck, 1000);
const watchdog = setTimeout(() => stop(`the run passed its time limit of ${timeLimitS} s (VNET_TEST_TIME_LIMIT)`), timeLimitS * 1000);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => stop(`stopped by ${sig}`));
launch();
