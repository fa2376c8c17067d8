// Starting a session daemon as a detached process and waiting until it serves (or says why not);
// building a topology in it afterwards; waiting until a stopped daemon is gone.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VnetError } from '../engine/errors.js';
import { RemoteError } from '../session/protocol.js';
import type { DaemonOptions } from '../session/daemon.js';
import type { StartReply } from '../session/daemon-main.js';
import { logPath, pidPath, processAlive, readPid, socketPath } from '../session/runtime.js';
import { ControlClient } from '../session/client.js';
import type { TopologySource } from '../session/topology.js';

/** How long `vnet up` waits for a new daemon to answer (starting only: a topology file is built afterwards, without a limit). */
export const START_TIMEOUT_MS = 10_000;
/** The start limit: $VNET_START_TIMEOUT_MS (ms) when set to a positive whole number (a slow machine), else START_TIMEOUT_MS. */
export function startTimeoutMs(env: Record<string, string | undefined> = process.env): number {
  const ms = Number(env.VNET_START_TIMEOUT_MS);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : START_TIMEOUT_MS;
}

/** How long a daemon told to stop may take (captures flush, connections close). */
export const STOP_TIMEOUT_MS = 10_000;

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
  const limitMs = startTimeoutMs({ ...process.env, ...opts.env });
  const reply = await new Promise<StartReply>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new VnetError('ETIMEDOUT', `the session daemon did not start within ${limitMs / 1000} s; see its log ${log}, or allow more with VNET_START_TIMEOUT_MS`));
    }, limitMs);
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

/**
 * Builds a topology file in a session just started, with no time limit (a big file takes as long as it
 * takes; `onWaiting` is called every second meanwhile). When that fails or `signal` aborts, the session
 * is stopped again, so nothing is left running, and the error is thrown.
 */
export async function applyInNewSession(
  name: string, topology: TopologySource, opts: { signal?: AbortSignal; onWaiting?: (seconds: number) => void } = {},
): Promise<unknown> {
  const client = await ControlClient.connect(socketPath(name), { session: name });
  const started = Date.now();
  opts.onWaiting?.(0);
  const ticker = opts.onWaiting ? setInterval(() => opts.onWaiting!(Math.round((Date.now() - started) / 1000)), 1000) : undefined;
  try {
    const { text, fileName, baseDir } = topology;
    return await client.call('topology.apply', { text, fileName, baseDir }, { signal: opts.signal });
  } catch (err) {
    const info = (await client.call('session.shutdown').catch(() => undefined)) as { pid?: number } | undefined;
    if (info?.pid) await waitStopped(name, info.pid).catch(() => {});
    throw err;
  } finally {
    if (ticker) clearInterval(ticker);
    client.close();
  }
}

/**
 * Waits (bounded) until a daemon told to stop has finished: its last steps remove its socket and then
 * its pid file (after captures are flushed), and it exits right after. A zombie (PID 1 of a container
 * that never reaps) counts as exited.
 */
export async function waitStopped(name: string, pid: number): Promise<void> {
  const sock = socketPath(name);
  const pidFile = pidPath(name);
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  const running = (): boolean => existsSync(sock) || readPid(pidFile) === pid || (pid !== process.pid && processAlive(pid));
  while (running()) {
    if (Date.now() > deadline) {
      throw new VnetError('ETIMEDOUT', `the session daemon (pid ${pid}) has not exited ${STOP_TIMEOUT_MS / 1000} s after it was told to stop; \`kill ${pid}\` ends it`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
