// Driving the CLI through a pseudo-terminal (util-linux `script`): the REPL tests type into it and
// wait for what it prints; the terminal tests answer prompts as they appear. Bounded, cleaned up.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { BIN, COMMAND_TIMEOUT_MS, killGroup } from './cli-helpers.js';

/** Fails loudly when `script` is missing: these tests need a terminal. */
export function requireScript(): void {
  const r = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('the `script` command (Debian package bsdutils / util-linux) is needed for terminal tests; apt-get install -y bsdutils');
}

// eslint-disable-next-line no-control-regex -- terminal escape sequences are what this strips
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** `vnet ARGS` on a pseudo-terminal: its exit status is the program's (`script -e`); stdout and stderr share the screen. */
export class Terminal {
  private readonly child: ChildProcess;
  private raw = '';
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: Record<string, string>) {
    requireScript();
    const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    this.child = spawn('script', ['-qefc', cmd, '/dev/null'], { env: { ...env, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const take = (d: string): void => {
      this.raw += d;
      for (const w of this.waiters) w();
    };
    this.child.stdout!.setEncoding('utf8').on('data', take);
    this.child.stderr!.setEncoding('utf8').on('data', take);
    this.exited = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal })));
  }

  /** What the terminal showed so far, without escape sequences and carriage returns. */
  get screen(): string {
    return this.raw.replace(ANSI, '').replaceAll('\r', '');
  }

  type(text: string): void {
    this.child.stdin!.write(text);
  }

  /** Waits (bounded) until the screen after `from` characters matches `pattern`; returns where the match ends. */
  async until(pattern: RegExp, from = 0, ms = 5000): Promise<number> {
    const end = (): number => {
      const m = pattern.exec(this.screen.slice(from));
      return m === null ? -1 : from + m.index + m[0].length;
    };
    let at = end();
    if (at >= 0) return at;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`vnet did not show ${pattern} within ${ms} ms; screen:\n${this.screen.slice(from)}`));
      }, ms);
      const check = (): void => {
        at = end();
        if (at < 0) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
    return at;
  }

  /** Waits (bounded) for the program to end by itself; killed when it does not. */
  async finish(ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const timer = setTimeout(() => this.kill(), ms);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills `script` and what runs on its terminal (vnet, and anything vnet started in that group). */
  kill(): void {
    killGroup(this.child);
  }
}

export interface Answer {
  /** Text the prompt shows (matched against the output since the previous answer). */
  expect: RegExp;
  /** Keys to type: '\r' is Enter, '\x1b[B' arrow down. */
  send: string;
}

/** What a terminal run left: its status and the screen, escapes stripped. */
export interface TerminalResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  screen: string;
}

/** Runs `vnet ARGS` on a terminal outside CI mode (so it asks), typing each answer when its prompt shows; bounded. */
export async function runOnTerminal(args: string[], answers: Answer[], env: Record<string, string>): Promise<TerminalResult> {
  const childEnv = { ...env };
  delete childEnv.CI;
  const t = new Terminal(args, childEnv);
  const deadline = Date.now() + COMMAND_TIMEOUT_MS;
  try {
    let seen = 0;
    for (const a of answers) {
      seen = await t.until(a.expect, seen, Math.max(0, deadline - Date.now()));
      t.type(a.send);
    }
  } catch (err) {
    t.kill();
    throw new Error(`vnet ${args.join(' ')} on a terminal: ${(err as Error).message}`);
  }
  const end = await t.finish(Math.max(0, deadline - Date.now()));
  return { ...end, screen: t.screen };
}
