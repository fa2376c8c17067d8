// Helpers for the REPL tests: the real bin/run.js with piped stdin or on a pseudo-terminal, bounded and cleaned up.
// The package root, the binary, the time limit and the sandbox are the e2e tests' (test/e2e/cli-helpers.ts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BIN, CliSandbox, ROOT, stderrLine, type Result } from '../e2e/cli-helpers.js';

export { ROOT };

/** A runtime directory of its own (history file there too) and the environment pointing at it; `cleanup` removes it. */
export function sandbox(): CliSandbox {
  const box = new CliSandbox();
  box.env.VNET_HISTORY_FILE = join(box.dir, 'history');
  return box;
}

/**
 * `vnet repl ARGS` in `box` with `input` piped to its stdin, to its end (bounded, as every CLI run of the tests).
 * `onStderr.then` is called once, with the child, when a line of its stderr matches `onStderr.pattern`.
 */
export function runRepl(box: CliSandbox, args: string[], input: string, opts: { cwd?: string; onStderr?: { pattern: RegExp; then(child: ChildProcess): void } } = {}): Promise<Result> {
  const child = spawn(process.execPath, [BIN, 'repl', ...args], { env: box.env, cwd: opts.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const { onStderr } = opts;
  if (onStderr) stderrLine(child, onStderr.pattern).then(() => onStderr.then(child), () => {});
  child.stdin!.end(input);
  return box.finish(child, ['repl', ...args]);
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
