// A session daemon: one Session served on its control socket, with a pid file, until
// `vnet down`, SIGINT or SIGTERM. `vnet up --foreground` runs it in the CLI's own
// process; `vnet up` runs it detached through daemon-main.ts.
import { openSync, closeSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { VnetError } from '../engine/errors.js';
import { ControlServer, type DispatchContext } from './server.js';
import { pidPath, runtimeDir, socketPath } from './runtime.js';
import { Session } from './session.js';
import type { TopologySource } from './topology.js';

type Env = Record<string, string | undefined>;

export interface DaemonOptions {
  name: string;
  clock: 'virtual' | 'real';
  seed: number;
  /** A topology to apply before the socket opens: a bad one means no session at all. */
  topology?: TopologySource;
  env?: Env;
  /** One line per notable thing (the daemon's log file). */
  log?: (line: string) => void;
}

/** Methods the daemon answers itself; everything else goes to the Session. */
export const DAEMON_METHODS = ['session.info', 'session.shutdown'] as const;

export class Daemon {
  readonly session: Session;
  readonly socketPath: string;
  readonly pidFile: string;
  /** What applying the start-up topology reported, if one was given. */
  applied: unknown;
  /** Resolves once the daemon has stopped and removed its files. */
  readonly stopped: Promise<void>;
  private server: ControlServer | undefined;
  private stopping: Promise<void> | undefined;
  private resolveStopped!: () => void;
  private readonly log: (line: string) => void;

  private constructor(opts: DaemonOptions) {
    const env = opts.env ?? process.env;
    runtimeDir(env);
    this.socketPath = socketPath(opts.name, env);
    this.pidFile = pidPath(opts.name, env);
    this.log = opts.log ?? (() => {});
    this.session = new Session({ clock: opts.clock, seed: opts.seed, name: opts.name });
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
  }

  /** Builds the session, applies the topology, listens; throws (and leaves nothing behind) when any step fails. */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    const d = new Daemon(opts);
    try {
      if (opts.topology) d.applied = await d.session.call('topology.apply', opts.topology, detachedContext());
      d.server = new ControlServer((method, params, ctx) => d.dispatch(method, params, ctx), {
        socketPath: d.socketPath,
        session: opts.name,
        log: d.log,
      });
      await d.server.listen();
      d.writePid();
    } catch (err) {
      d.session.close();
      throw err;
    }
    d.log(`session "${opts.name}" up: pid ${process.pid}, ${opts.clock} clock, seed ${opts.seed}, socket ${d.socketPath}`);
    return d;
  }

  info(): Record<string, unknown> {
    const s = this.session;
    return { name: s.name, pid: process.pid, clock: s.clockKind, seed: s.seed, socket: this.socketPath, startedAt: s.startedAt };
  }

  private dispatch(method: string, params: unknown, ctx: DispatchContext): unknown {
    if (method === 'session.info') return this.info();
    if (method === 'session.shutdown') {
      // Answer first, then stop: the server lets this reply go out before it closes connections.
      setImmediate(() => void this.stop('vnet down'));
      return { stopping: true, ...this.info() };
    }
    checkProtocolPaths(method, params);
    return this.session.call(method, params, { signal: ctx.signal, emit: ctx.emit });
  }

  /** Stops serving, closes the network and removes the pid file. Idempotent. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.log(`stopping (${reason})`);
      try {
        await this.server?.close();
      } finally {
        this.session.close();
        this.removePid();
        this.log('stopped');
        this.resolveStopped();
      }
    })();
    return this.stopping;
  }

  private writePid(): void {
    const fd = openSync(this.pidFile, 'w', 0o600);
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
  }

  private removePid(): void {
    try {
      // Only our own: a newer daemon may already have written its pid there.
      if (readFileSync(this.pidFile, 'utf8').trim() === String(process.pid)) unlinkSync(this.pidFile);
    } catch {
      // already gone
    }
  }
}

/**
 * Paths a method takes over the control protocol, which must be absolute: the daemon runs in `/`, so a
 * relative one would land there instead of where the caller meant. `required`: the param must be given.
 */
const PROTOCOL_PATHS: Record<string, { param: string; required: boolean; what: string }[]> = {
  'capture.start': [{ param: 'file', required: false, what: 'the capture file' }],
  'topology.apply': [{ param: 'baseDir', required: true, what: 'the directory relative capture files in the topology are resolved against' }],
};

/** EINVAL (exit 2) naming the param when a path param of `method` is missing or relative. */
export function checkProtocolPaths(method: string, params: unknown): void {
  const specs = Object.hasOwn(PROTOCOL_PATHS, method) ? PROTOCOL_PATHS[method] : [];
  const p = (params !== null && typeof params === 'object' ? params : {}) as Record<string, unknown>;
  for (const { param, required, what } of specs) {
    const v = p[param];
    if (v === undefined && !required) continue;
    if (typeof v !== 'string' || !isAbsolute(v)) {
      const given = v === undefined ? 'is missing' : `is ${JSON.stringify(v)}, not an absolute path`;
      throw new VnetError(
        'EINVAL',
        `${method}: param "${param}" (${what}) ${given}; the session daemon runs in /, so send an absolute path (the vnet CLI resolves it)`,
      );
    }
  }
}

function detachedContext(): { signal: AbortSignal; emit(item: unknown): void } {
  return { signal: new AbortController().signal, emit: () => {} };
}

/** Stops the daemon on SIGINT, SIGTERM and SIGHUP; a second signal while stopping exits at once. */
export function stopOnSignals(d: Daemon, onSecond: () => void = () => process.exit(130)): () => void {
  let seen = false;
  const handler = (sig: NodeJS.Signals): void => {
    if (seen) return onSecond();
    seen = true;
    void d.stop(sig);
  };
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of sigs) process.on(s, handler);
  return () => {
    for (const s of sigs) process.off(s, handler);
  };
}
