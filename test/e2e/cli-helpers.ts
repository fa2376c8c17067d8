// Running the real bin/run.js against real session daemons in a throwaway runtime directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (dist/test/e2e → ../../..). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'run.js');

/** Every CLI call in the tests must end within this (a hung command fails the test, never the suite). */
export const COMMAND_TIMEOUT_MS = 15_000;

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A runtime directory of its own, the env pointing at it, and cleanup that stops every daemon started in it. */
export class CliSandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'vnet-e2e-'));
  readonly env: Record<string, string>;
  private readonly children = new Set<ChildProcess>();

  constructor(extraEnv: Record<string, string> = {}) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('VNET_')) env[k] = v;
    this.env = { ...env, VNET_RUNTIME_DIR: this.dir, NO_COLOR: '1', ...extraEnv };
  }

  /** Runs `vnet ARGS` to completion (bounded: COMMAND_TIMEOUT_MS unless `timeoutMs`); stdin gets `input` when given. */
  run(args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Result> {
    const child = this.spawn(args, opts.env);
    child.stdin!.end(opts.input ?? '');
    return this.finish(child, args, opts.timeoutMs);
  }

  /** Starts `vnet ARGS` in a process group of its own (killGroup ends it with all it started); wait for it with finish(). */
  spawn(args: string[], env: Record<string, string> = {}): ChildProcess {
    return this.adopt(spawn(process.execPath, [BIN, ...args], { env: { ...this.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true }));
  }

  /** Makes cleanup() kill `child` (and its group) if it still runs then; returns it. */
  adopt(child: ChildProcess): ChildProcess {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Waits (bounded) for `child` to end. Call it right after spawn: it must see the 'close' event. Output is kept as bytes (a pipe elsewhere is untouched). */
  finish(child: ChildProcess, args: string[], timeoutMs = COMMAND_TIMEOUT_MS): Promise<Result> {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    const text = (parts: Buffer[]): string => Buffer.concat(parts).toString('utf8');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        killGroup(child); // with what it started: a program left holding the pipes would keep the test file alive
        reject(new Error(`vnet ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr: ${text(err)}`));
      }, timeoutMs);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout: text(out), stderr: text(err) });
      });
    });
  }

  /** Runs a command that must succeed, and returns its stdout parsed as JSON (it is given --json). */
  async json<T = unknown>(args: string[]): Promise<T> {
    const r = await this.run([...args, '--json']);
    if (r.code !== 0) throw new Error(`vnet ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  /** Runs a command that must succeed; returns its stdout. */
  async ok(args: string[]): Promise<string> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`vnet ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  /** The pid a session's daemon wrote, if any. */
  pidOf(session = 'default'): number | undefined {
    try {
      return Number(readFileSync(join(this.dir, `${session}.pid`), 'utf8').trim());
    } catch {
      return undefined;
    }
  }

  /** Kills every process this sandbox started (with their groups) and every daemon with a pid file here, then removes the directory. */
  cleanup(): void {
    for (const c of this.children) killGroup(c);
    const pids = new Set<number>();
    for (const f of readdirSync(this.dir)) {
      if (f.endsWith('.pid')) pids.add(Number(readFileSync(join(this.dir, f), 'utf8').trim()));
    }
    // A daemon in its last steps has removed its pid file but not yet exited (`down` returns then):
    // every process started with this sandbox's runtime directory goes too.
    for (const pid of processesWithEnv(`VNET_RUNTIME_DIR=${this.dir}`)) pids.add(pid);
    pids.delete(process.pid);
    for (const pid of pids) {
      try {
        if (pid > 0) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Builds internet + a symmetric-NAT home with alice, and a public server. */
export async function buildNatTopology(box: CliSandbox, session: string): Promise<void> {
  const s = ['--session', session];
  await box.ok(['router', 'add', 'internet', '--cidr', '0.0.0.0/0', ...s]);
  await box.ok(['router', 'add', 'home', '--parent', 'internet', '--cidr', '192.168.1.0/24', '--nat', 'symmetric', '--ip', '203.0.113.10', ...s]);
  await box.ok(['host', 'add', 'alice', '--router', 'home', ...s]);
  await box.ok(['host', 'add', 'server', '--router', 'internet', '--ip', '198.51.100.7', ...s]);
}

/** SIGKILLs a child started with `detached: true` and every process in its group (what it started and left running). */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL'); // not a group leader (started without detached), or gone already
  }
}

/** Resolves with the first stderr line of `child` matching `pattern` (e.g. listen's "listening on"), bounded. */
export function stderrLine(child: ChildProcess, pattern: RegExp, ms = COMMAND_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no stderr line matching ${pattern} within ${ms} ms; got: ${buf}`)), ms);
    const onData = (d: Buffer | string): void => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve(line);
      }
    };
    child.stderr!.on('data', onData);
  });
}

/** Polls a condition of the outside world (a process, a file) every 20 ms until it holds; fails after `ms`. */
export async function waitUntil(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Processes whose environment holds `entry` (NAME=VALUE), read from /proc (Linux; ours are readable as root or their owner). */
export function processesWithEnv(entry: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(entry)) found.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}
