// Helpers for the REPL tests: the real bin/run.js with piped stdin or on a pseudo-terminal, bounded and cleaned up.
// The package root, the binary, the time limit and the sandbox are the e2e tests' (test/e2e/cli-helpers.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BIN, CliSandbox, ROOT, stderrLine, type Result } from '../e2e/cli-helpers.js';
import { Terminal } from '../e2e/pty.js';

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
  const child = box.adopt(spawn(process.execPath, [BIN, 'repl', ...args], { env: box.env, cwd: opts.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'], detached: true }));
  const { onStderr } = opts;
  if (onStderr) stderrLine(child, onStderr.pattern).then(() => onStderr.then(child), () => {});
  child.stdin!.end(input);
  return box.finish(child, ['repl', ...args]);
}

/** `vnet repl ARGS` on a pseudo-terminal (through `script`): type into it, wait for what it prints. */
export class PtyRepl extends Terminal {
  constructor(args: string[], env: Record<string, string>) {
    super(['repl', ...args], env);
  }

  /** Ends the REPL with Ctrl-D and waits for it (killed if it does not end in time). */
  async close(ms = 5000): Promise<number | null> {
    this.type('\x04');
    return (await this.finish(ms)).code;
  }
}
