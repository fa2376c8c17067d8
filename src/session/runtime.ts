// Where sessions live: the per-user runtime directory and each session's socket, pid and log paths.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { VnetError } from '../engine/errors.js';

type Env = Record<string, string | undefined>;

/** Session names: a letter or digit, then up to 63 of letters, digits, '_', '.', '-'. */
export const SESSION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Linux's sun_path holds 108 bytes with the terminating NUL (macOS: 104). */
const MAX_SOCKET_PATH_BYTES = 103;

function uid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : 0;
}

/** The directory the environment names, not yet checked or created. */
export function runtimeDirPath(env: Env = process.env): string {
  if (env.VNET_RUNTIME_DIR) return resolve(env.VNET_RUNTIME_DIR);
  if (env.XDG_RUNTIME_DIR) return join(resolve(env.XDG_RUNTIME_DIR), 'vnet');
  return join(tmpdir(), `vnet-${uid()}`);
}

/**
 * The per-user runtime directory: `$VNET_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/vnet`,
 * else `<tmpdir>/vnet-<uid>`. Created with mode 0700; an existing directory must be
 * ours and not writable by group or others, or this throws EPERM.
 */
export function runtimeDir(env: Env = process.env): string {
  const dir = runtimeDirPath(env);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new VnetError(
      'EPERM',
      `cannot create the runtime directory ${dir}: ${(err as Error).message}; set VNET_RUNTIME_DIR to a directory you own`,
      { cause: err },
    );
  }
  checkOwnDir(dir);
  return dir;
}

function checkOwnDir(dir: string): void {
  const me = uid();
  const link = lstatSync(dir);
  if (link.isSymbolicLink() && link.uid !== me) {
    throw new VnetError('EPERM', `the runtime directory ${dir} is a symbolic link owned by uid ${link.uid}, not you (uid ${me}); remove it or set VNET_RUNTIME_DIR`);
  }
  const st = statSync(dir);
  if (!st.isDirectory()) {
    throw new VnetError('EPERM', `the runtime directory ${dir} exists and is not a directory; remove it or set VNET_RUNTIME_DIR`);
  }
  if (st.uid !== me) {
    throw new VnetError('EPERM', `the runtime directory ${dir} is owned by uid ${st.uid}, not you (uid ${me}); remove it or set VNET_RUNTIME_DIR`);
  }
  if ((st.mode & 0o022) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    throw new VnetError('EPERM', `the runtime directory ${dir} is writable by group or others (mode ${mode}); run \`chmod 700 ${dir}\` or set VNET_RUNTIME_DIR`);
  }
}

/** Check a session name; throws EINVAL (exit 2) when it is not one. */
export function checkSessionName(name: string): string {
  if (!SESSION_NAME.test(name)) {
    throw new VnetError(
      'EINVAL',
      `session name ${JSON.stringify(name)} is not valid: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
    );
  }
  return name;
}

/** The session to use: the `--session` flag, else `$VNET_SESSION` (empty means unset), else 'default'. */
export function sessionName(flag?: string, env: Env = process.env): string {
  return checkSessionName(flag ?? (env.VNET_SESSION || 'default'));
}

function sessionFile(name: string, ext: string, env: Env): string {
  return join(runtimeDir(env), `${checkSessionName(name)}.${ext}`);
}

/** The control socket of a session; throws EINVAL when the path is too long for a Unix socket. */
export function socketPath(name: string, env: Env = process.env): string {
  const path = sessionFile(name, 'sock', env);
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new VnetError(
      'EINVAL',
      `the socket path ${path} is ${bytes} bytes, over the ${MAX_SOCKET_PATH_BYTES} a Unix socket allows; set VNET_RUNTIME_DIR to a shorter directory`,
    );
  }
  return path;
}

/** The file holding the daemon's process id. */
export function pidPath(name: string, env: Env = process.env): string {
  return sessionFile(name, 'pid', env);
}

/** The daemon's log file. */
export function logPath(name: string, env: Env = process.env): string {
  return sessionFile(name, 'log', env);
}

export interface SessionEntry {
  name: string;
  pid?: number;
  /**
   * A cheap guess: the socket file exists and the pid file (if any) names a live
   * process. Connecting (ControlClient.connect) is the only proof.
   */
  alive: boolean;
}

/** Reads a pid file: the process id, or undefined when absent or unreadable. */
export function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a process with this id runs (EPERM: it does, and is someone else's). A zombie (exited,
 * not yet reaped: PID 1 of many containers never reaps) passes kill(pid, 0) but does not run.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** Linux: the state letter in /proc/PID/stat is Z (zombie) or X (dead). Elsewhere: false. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ...: comm may hold spaces and parentheses, so look after the last ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

/** Every session with a socket or pid file in the runtime directory, sorted by name. */
export function listSessions(env: Env = process.env): SessionEntry[] {
  const dir = runtimeDir(env);
  const names = new Set<string>();
  for (const file of readdirSync(dir)) {
    const m = /^(.*)\.(sock|pid)$/.exec(file);
    if (m && SESSION_NAME.test(m[1])) names.add(m[1]);
  }
  return [...names].sort().map((name) => {
    const pid = readPid(join(dir, `${name}.pid`));
    const hasSocket = existsSync(join(dir, `${name}.sock`));
    const alive = hasSocket && (pid === undefined || processAlive(pid));
    return pid === undefined ? { name, alive } : { name, pid, alive };
  });
}
