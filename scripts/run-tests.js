#!/usr/bin/env node
// `npm test`: every compiled test file under dist/test (or the files named on the command line), run
// with Node's test runner. The system programs the tests drive are installed first when missing
// (scripts/test-tools.js). Files run in parallel, each in a `node --test` of its own in its own
// process group; when a file ends, whatever it left running (its group, and detached daemons found
// by the run tag in their environment) is killed and named: leaving a process behind fails the run.
// A file in which no test starts or ends for VNET_TEST_TIMEOUT seconds (a test or a hook hangs) is
// stopped, naming the test it was in; so is one still running 10 s after its last test (something it
// started keeps it alive). The run as a whole has a time limit too, after which it stops, naming the
// tests still running.
//
// Environment: VNET_TEST_CONCURRENCY (files at once; default 2 per core, at least 4),
// VNET_TEST_TIMEOUT (seconds a file may go without a test starting or ending; default 120),
// VNET_TEST_TIME_LIMIT (seconds for the whole run; default 900).
import { spawn } from 'node:child_process';
import { availableParallelism, tmpdir } from 'node:os';
import { closeSync, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
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
    console.error(`npm test: ${name}=${process.env[name]} is not a positive number`);
    process.exit(2);
  }
  return v;
};
const concurrency = Math.floor(seconds('VNET_TEST_CONCURRENCY', Math.max(4, 2 * availableParallelism())));
const testTimeoutS = seconds('VNET_TEST_TIMEOUT', 120);
const timeLimitS = seconds('VNET_TEST_TIME_LIMIT', 900);

/**
 * How long a file may keep running after its last test ended (its after hooks). Longer, and something
 * it started keeps it alive: it is stopped. (Not --test-force-exit: on Node 20 it loses the last reports.)
 */
const AFTER_LAST_TEST_MS = 10_000;

/** Slow directories first, so the run does not end waiting on one late long file. */
const FIRST = ['e2e', 'tooling', 'repl', 'session', 'bridge', 'capture', 'cli'];

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
const outDir = mkdtempSync(join(tmpdir(), 'vnet-test-run-'));
process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));
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
    '--test',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${join(here, 'test-progress.js')}`, '--test-reporter-destination=stderr',
    file,
  ];
  // Output to files: read while it runs (progress) and whole at the end, with nothing lost if the runner is killed.
  const id = next;
  const outPath = join(outDir, `${id}.out`);
  const errPath = join(outDir, `${id}.err`);
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', out, err] });
  closeSync(out);
  closeSync(err);
  const state = {
    file, child, tag, outPath, errPath, errRead: 0, decoder: new StringDecoder('utf8'), partial: '', stderr: [],
    started: Date.now(), running: [], since: [], lastEvent: Date.now(), output: [], counted: {},
    seen: { tests: 0, pass: 0, fail: 0, skipped: 0, todo: 0 }, queued: 0, ended: 0, stuck: null,
  };
  running.set(id, state);
  child.on('close', (code, signal) => finishFile(id, state, code, signal));
}

/** Reads what the file's runner wrote to stderr since last time: progress lines, and anything else to show. */
function readProgress(state, last = false) {
  const fd = openSync(state.errPath, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > state.errRead) {
      const buf = Buffer.alloc(size - state.errRead);
      state.errRead += readSync(fd, buf, 0, buf.length, state.errRead);
      state.partial += state.decoder.write(buf);
    }
  } finally {
    closeSync(fd);
  }
  const lines = state.partial.split('\n');
  state.partial = last ? '' : lines.pop();
  for (const l of lines) {
    if (l.startsWith(PROGRESS_MARK)) progress(state, JSON.parse(l.slice(PROGRESS_MARK.length)));
    else if (l !== '' || !last) state.stderr.push(`${l}\n`);
  }
}

/** What the file's runner printed: the spec report, then anything else it wrote to stderr. */
function report(state) {
  const spec = readFileSync(state.outPath, 'utf8').replace(/^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) [\d.]+\n/gm, '');
  return spec + state.stderr.join('') + state.output.join('');
}

function progress(state, p) {
  state.lastEvent = Date.now();
  const own = p.name !== undefined && resolve(p.name) !== resolve(state.file); // a test, not the file itself
  if (p.at === 'queued' && own) state.queued += 1;
  if (p.at === 'end' && p.nesting === 0 && own) state.ended += 1;
  if (p.at === 'start' && own) {
    state.running.length = p.nesting;
    state.since.length = p.nesting;
    state.running.push(p.name);
    state.since.push(Date.now());
  } else if (p.at === 'end') {
    state.running.length = Math.min(state.running.length, p.nesting);
    state.since.length = state.running.length;
    if (p.ok !== undefined && own) {
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
  readProgress(state, true);
  const leftovers = sweep(state);
  process.stdout.write(`\n# ${relative('.', file)} (${((Date.now() - state.started) / 1000).toFixed(1)} s)\n`);
  process.stdout.write(report(state));
  // A file stopped before its end printed no totals: count the tests it reported, and the stuck one as failed.
  if (state.counted.tests === undefined) {
    const stuckTest = state.stuck && state.running.length > 0 ? 1 : 0;
    state.counted = { ...state.seen, fail: state.seen.fail + stuckTest, tests: state.seen.tests + stuckTest };
  }
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
  return state.running.length > 0 ? state.running.join(' › ') : '(between tests: in a hook)';
}

/** Stops every file in which nothing has happened for VNET_TEST_TIMEOUT: its test fails by name. */
function checkStuck() {
  for (const state of running.values()) {
    readProgress(state);
    const quiet = Date.now() - state.lastEvent;
    const allEnded = state.queued > 0 && state.ended >= state.queued;
    if (state.stuck || (quiet < testTimeoutS * 1000 && !(allEnded && quiet >= AFTER_LAST_TEST_MS))) continue;
    const what = allEnded
      ? `${relative('.', state.file)}: still running ${AFTER_LAST_TEST_MS / 1000} s after its last test (something it started keeps it alive)`
      : `${relative('.', state.file)} › ${doing(state)}: no test started or ended for ${testTimeoutS} s (VNET_TEST_TIMEOUT)`;
    const killed = sweep(state); // its 'close' follows and reports it
    state.stuck = `${what}; stopped${killed.length > 0 ? `, killing ${killed.join('; ')}` : ''}`;
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
    readProgress(state, true);
    process.stdout.write(`\n# ${relative('.', file)} (stopped)\n${report(state)}`);
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
