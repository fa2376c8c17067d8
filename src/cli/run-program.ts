// Runs a real program for `vnet exec` and `vnet shell`: the terminal's stdio, SIGINT/SIGTERM/SIGHUP
// passed on, an optional wall-time limit, and the exit status vnet should use.
import { constants } from 'node:os';
import { execa } from 'execa';
import { wallTimer } from '../session/wall-timer.js';

/** Resolves with the program's status; 124 past the timeout, 128+N for signal N, 127 when not found, 126 when it cannot run. */
export async function runProgram(cmd: string[], env: Record<string, string>, timeoutMs: number | undefined): Promise<number> {
  // The handlers go in before the program starts: it may run (and be signalled) before execa returns,
  // and a signal that found no handler would kill vnet and leave the program running.
  let child: ReturnType<typeof execa> | undefined;
  const pass = (sig: NodeJS.Signals): void => void child?.kill(sig);
  // Our own timer rather than execa's `timeout`: Node's setTimeout fires at once past 24.8 days.
  let timedOut = false;
  let timer: { clear(): void } | undefined;
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of sigs) process.on(s, pass);
  try {
    const started = execa(cmd[0], cmd.slice(1), { stdio: 'inherit', reject: false, env, forceKillAfterDelay: 2000 });
    child = started;
    if (timeoutMs !== undefined) {
      timer = wallTimer(timeoutMs, () => {
        timedOut = true;
        started.kill('SIGTERM');
      });
    }
    const r = await started;
    if (timedOut) {
      process.stderr.write(`vnet: ${cmd[0]} ran longer than ${timeoutMs} ms and was stopped\n`);
      return 124;
    }
    if (r.exitCode !== undefined) return r.exitCode;
    if (r.signal) return 128 + (constants.signals[r.signal] ?? 0);
    if ((r as { code?: string }).code === 'ENOENT' || /ENOENT/.test(r.message ?? '')) {
      process.stderr.write(`vnet: ${cmd[0]}: command not found; check the name and PATH\n`);
      return 127;
    }
    process.stderr.write(`vnet: cannot run ${cmd[0]}: ${r.shortMessage ?? r.message}\n`);
    return 126;
  } finally {
    timer?.clear();
    for (const s of sigs) process.off(s, pass);
  }
}
