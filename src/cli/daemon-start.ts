// Starting a session daemon as a detached process and waiting until it serves (or says why not).
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VnetError } from '../engine/errors.js';
import { RemoteError } from '../session/protocol.js';
import type { DaemonOptions } from '../session/daemon.js';
import type { StartReply } from '../session/daemon-main.js';
import { logPath } from '../session/runtime.js';

/** How long `vnet up` waits for a new daemon to answer. */
export const START_TIMEOUT_MS = 10_000;

export interface Started {
  ready: Record<string, unknown>;
  applied?: unknown;
  log: string;
}

/** Spawns daemon-main.js detached (stdout/stderr to the session log), hands it its options, waits for ready. */
export async function startDetached(opts: DaemonOptions): Promise<Started> {
  const log = logPath(opts.name, opts.env);
  const fd = openSync(log, 'a', 0o600);
  const main = fileURLToPath(new URL('../session/daemon-main.js', import.meta.url));
  let child;
  try {
    child = spawn(process.execPath, [main], {
      detached: true,
      stdio: ['ignore', fd, fd, 'ipc'],
      env: { ...process.env, ...opts.env },
      cwd: '/',
    });
  } finally {
    closeSync(fd);
  }
  const reply = await new Promise<StartReply>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new VnetError('ETIMEDOUT', `the session daemon did not start within ${START_TIMEOUT_MS / 1000} s; see its log ${log}`));
    }, START_TIMEOUT_MS);
    child.once('message', (m: StartReply) => {
      clearTimeout(timer);
      resolve(m);
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new VnetError('ECONNREFUSED', `cannot start the session daemon: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new VnetError('ECONNREFUSED', `the session daemon exited (${signal ?? `status ${code}`}) before it was ready; see its log ${log}`));
    });
    // The child reads its environment (VNET_RUNTIME_DIR and the rest) from process.env.
    child.send({ start: { ...opts, env: undefined } });
  });
  child.removeAllListeners();
  if ('error' in reply) throw new RemoteError(reply.error.code, reply.error.message, reply.error.exit);
  if (child.connected) child.disconnect();
  child.unref();
  return { ready: reply.ready, applied: reply.applied, log };
}
