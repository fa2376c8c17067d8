// Driving the CLI through a pseudo-terminal (util-linux `script`), answering prompts as they appear.
import { spawn, spawnSync } from 'node:child_process';
import { BIN, COMMAND_TIMEOUT_MS } from './cli-helpers.js';

export interface Answer {
  /** Text the prompt shows (matched against the output since the previous answer). */
  expect: RegExp;
  /** Keys to type: '\r' is Enter, '\x1b[B' arrow down. */
  send: string;
}

/** Fails loudly when `script` is missing: these tests need a terminal. */
export function requireScript(): void {
  const r = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('the `script` command (Debian package bsdutils / util-linux) is needed for terminal tests; apt-get install -y bsdutils');
}

// eslint-disable-next-line no-control-regex -- terminal escape sequences are what this strips
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** What a terminal run left: its status and the screen (stdout and stderr share the terminal), escapes stripped. */
export interface TerminalResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  screen: string;
}

/** Runs `vnet ARGS` on a terminal, typing each answer when its prompt shows; bounded. */
export function runOnTerminal(args: string[], answers: Answer[], env: Record<string, string>): Promise<TerminalResult> {
  requireScript();
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const childEnv: Record<string, string> = { ...env, TERM: 'xterm' };
  delete childEnv.CI;
  const child = spawn('script', ['-qefc', command, '/dev/null'], { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  let seen = 0; // output before this index answered a prompt already
  let next = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vnet ${args.join(' ')} on a terminal did not finish within ${COMMAND_TIMEOUT_MS} ms; waiting for ${answers[next]?.expect}; screen: ${screen.replace(ANSI, '')}`));
    }, COMMAND_TIMEOUT_MS);
    const onOutput = (d: Buffer): void => {
      screen += d.toString('utf8');
      const plain = screen.replace(ANSI, '');
      if (next < answers.length) {
        const m = answers[next].expect.exec(plain.slice(seen));
        if (m) {
          seen += m.index + m[0].length;
          child.stdin.write(answers[next++].send);
        }
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, screen: screen.replace(ANSI, '') });
    });
  });
}
