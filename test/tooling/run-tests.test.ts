// scripts/run-tests.js (what `npm test` runs) on small test files written here: a hung test ends the
// run with a failure naming it, a test past its timeout fails by name, and whatever a test file
// leaves running is killed and named, even a daemon that left the process group.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RUNNER = join(ROOT, 'scripts', 'run-tests.js');
const dir = mkdtempSync(join(tmpdir(), 'vnet-runner-'));
const pids: number[] = [];
after(() => {
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A test file that starts `sleep 600` in a new session (as a daemon would) and writes its pid to `pidFile`. */
function testFile(name: string, body: string, pidFile: string): string {
  const file = join(dir, name);
  writeFileSync(file, `import { test } from 'node:test';\nimport { spawn } from 'node:child_process';\nimport { writeFileSync } from 'node:fs';\n` +
    `const leave = () => { const c = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' }); c.unref(); writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); };\n` +
    `test('quick', () => {});\n${body}\n`);
  return file;
}

/** Running (a killed process whose parent has not reaped it is a zombie: dead). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Runs the runner on `files`; bounded (60 s) and killed, with its group, if it does not end. */
function run(files: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [RUNNER, ...files], { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`run-tests.js did not end within 60 s: ${out}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: Date.now() - t0 });
    });
  });
}

/** Whether `pid` is dead within 2 s (SIGKILL takes effect a moment after it is sent). */
async function diesSoon(pid: number): Promise<boolean> {
  const deadline = Date.now() + 2000;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

function pidIn(file: string): number {
  return Number(readFileSync(file, 'utf8'));
}

test('a hung test ends the run at its time limit with a failure naming it; what it started is killed', async () => {
  const pidFile = join(dir, 'hang.pid');
  const file = testFile('hang.test.mjs', `test('waits forever', async () => { leave(); await new Promise(() => setInterval(() => {}, 1000)); });`, pidFile);
  const r = await run([file], { VNET_TEST_TIME_LIMIT: '8', VNET_TEST_TIMEOUT: '600' });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /npm test: the run passed its time limit of 8 s \(VNET_TEST_TIME_LIMIT\); still running:\n {2}.*hang\.test\.mjs › waits forever for \d+ s/);
  assert.match(r.out, new RegExp(`\\n {4}killed: ${pidIn(pidFile)} sleep 600\\n`), 'only what the test started is named, not the runner');
  pids.push(pidIn(pidFile));
  assert.ok(await diesSoon(pidIn(pidFile)), 'the detached sleep was killed');
});

test('a test in which nothing happens for VNET_TEST_TIMEOUT fails by name; its file is stopped and what it started killed', async () => {
  const pidFile = join(dir, 'slow.pid');
  const file = testFile('slow.test.mjs', `test('too slow', async () => { leave(); spawn('sleep', ['600'], { stdio: 'pipe' }); await new Promise((r) => setTimeout(r, 60_000)); });\n` +
    `test('after it', () => {});`, pidFile);
  const r = await run([file], { VNET_TEST_TIMEOUT: '2', VNET_TEST_TIME_LIMIT: '50' });
  assert.equal(r.code, 1, r.out);
  pids.push(pidIn(pidFile));
  const stopped = /\n✖ .*slow\.test\.mjs › too slow: no test started or ended for 2 s \(VNET_TEST_TIMEOUT\); stopped, killing (.*)\n/.exec(r.out);
  assert.ok(stopped, r.out);
  assert.deepEqual(stopped[1].split('; ').map((p) => p.replace(/^\d+ /, '')).sort(), ['sleep 600', 'sleep 600'], 'the daemon it left and the child on its pipes');
  assert.ok(stopped[1].includes(`${pidIn(pidFile)} sleep 600`));
  assert.match(r.out, /ℹ 1 files, 2 tests: 1 passed, 1 failed/, 'the test before it counted, the stuck one failed, the one after never ran');
  assert.ok(r.ms < 40_000, `the run ended soon after the timeout (${r.ms} ms)`);
  assert.ok(await diesSoon(pidIn(pidFile)), 'the sleep it left was killed');
});

test('passing files: totals added up, exit 0; a file that leaves a process running fails the run, naming it', async () => {
  const ok = join(dir, 'ok.test.mjs');
  writeFileSync(ok, `import { test } from 'node:test';\ntest('one', () => {});\ntest('two', () => {});\n`);
  const clean = await run([ok, ok], {});
  assert.equal(clean.code, 0, clean.out);
  assert.match(clean.out, /ℹ 2 files, 4 tests: 4 passed, 0 failed/);
  const pidFile = join(dir, 'leak.pid');
  const leak = testFile('leak.test.mjs', `test('leaves a daemon', () => leave());`, pidFile);
  const r = await run([ok, leak], {});
  assert.equal(r.code, 1, r.out);
  pids.push(pidIn(pidFile));
  assert.match(r.out, new RegExp(`leak\\.test\\.mjs: left processes running \\(now killed\\): ${pidIn(pidFile)} sleep 600\\n`));
  assert.ok(await diesSoon(pidIn(pidFile)), 'the sleep it left was killed');
});

test('a file kept alive after its last test by a child on its pipes is stopped 10 s later, naming the child', async () => {
  const held = join(dir, 'held.test.mjs');
  writeFileSync(held, `import { test } from 'node:test';\nimport { spawn } from 'node:child_process';\n` +
    `test('leaves a child on its pipes', () => { spawn('sleep', ['601'], { stdio: 'pipe' }); });\n`);
  const r = await run([held], {});
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /✔ leaves a child on its pipes/);
  assert.match(r.out, /✖ .*held\.test\.mjs: still running 10 s after its last test \(something it started keeps it alive\); stopped, killing \d+ sleep 601\n/);
  assert.ok(r.ms < 40_000, `${r.ms} ms`);
});
