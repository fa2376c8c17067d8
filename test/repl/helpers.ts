// Helpers for the REPL tests: the real bin/run.js with piped stdin or on a pseudo-terminal, bounded and cleaned up.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (dist/test/repl → ../../..). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'run.js');
/** A REPL run in a test must end within this. */
export const RUN_TIMEOUT_MS = 15_000;

/** A temp directory (runtime dir, history, scripts) and the environment pointing at it; `cleanup` removes it. */
export function sandbox(): { dir: string; env: Record<string, string>; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-repl-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('VNET_')) env[k] = v;
  Object.assign(env, { VNET_RUNTIME_DIR: dir, VNET_HISTORY_FILE: join(dir, 'history'), NO_COLOR: '1' });
  return { dir, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `vnet repl ARGS` with `input` piped to its stdin, to its end (killed after RUN_TIMEOUT_MS).
 * `onStderr` is called once, with the child, when its stderr first matches `pattern`.
 */
export function runRepl(args: string[], input: string, env: Record<string, string>, cwd = ROOT, onStderr?: { pattern: RegExp; then(child: ChildProcess): void }): Promise<Run> {
  const child = spawn(process.execPath, [BIN, 'repl', ...args], { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let called = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (onStderr && !called && onStderr.pattern.test(stderr)) {
      called = true;
      onStderr.then(child);
    }
  });
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vnet repl did not finish within ${RUN_TIMEOUT_MS} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Whether util-linux `script` can give a child a pseudo-terminal here. */
export const havePty = spawnSync('script', ['-qfc', 'true', '/dev/null'], { stdio: 'ignore' }).status === 0;

// eslint-disable-next-line no-control-regex -- terminal escape sequences start with ESC
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** `vnet repl ARGS` on a pseudo-terminal (through `script`): type into it, wait for what it prints. */
export class PtyRepl {
  private readonly child: ChildProcess;
  private raw = '';
  private readonly waiters = new Set<() => void>();
  exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string>) {
    const cmd = [process.execPath, BIN, 'repl', ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    this.child = spawn('script', ['-qfc', cmd, '/dev/null'], { env: { ...env, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const take = (d: string): void => {
      this.raw += d;
      for (const w of this.waiters) w();
    };
    this.child.stdout!.setEncoding('utf8').on('data', take);
    this.child.stderr!.setEncoding('utf8').on('data', take);
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve(code)));
  }

  /** What the terminal showed so far, without escape sequences and carriage returns. */
  get screen(): string {
    return this.raw.replace(ANSI, '').replaceAll('\r', '');
  }

  type(text: string): void {
    this.child.stdin!.write(text);
  }

  /** Waits (bounded) until the screen after `from` characters matches `pattern`; returns the screen's length then. */
  async until(pattern: RegExp, from = 0, ms = 5000): Promise<number> {
    const seen = (): boolean => pattern.test(this.screen.slice(from));
    if (seen()) return this.screen.length;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`the REPL did not show ${pattern} within ${ms} ms; screen:\n${this.screen.slice(from)}`));
      }, ms);
      const check = (): void => {
        if (!seen()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
    return this.screen.length;
  }

  /** Ends the REPL with Ctrl-D and waits for it (killed if it does not end in time). */
  async close(ms = 5000): Promise<number | null> {
    if (this.child.exitCode === null) this.type('\x04');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
