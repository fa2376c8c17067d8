// The CLI's side of the control socket: calls, streams and cancels, with failures turned into session errors.
import { existsSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { basename } from 'node:path';
import { VnetError } from '../engine/errors.js';
import { socketPath } from './runtime.js';
import {
  encode, LineReader, MAX_LINE_BYTES, MAX_PENDING_OUTPUT_BYTES, MAX_RESPONSE_LINE_BYTES, parseServerLine, PROTOCOL_VERSION,
  RemoteError, RESTART_MEND, versionMessage,
} from './protocol.js';

export interface ConnectOptions {
  /** How long to wait for the daemon to accept (default 5000 ms). */
  timeoutMs?: number;
  /** Named in errors; default: the socket file's name without `.sock`. */
  session?: string;
}

export interface CallOptions {
  /** Aborting sends a cancel and rejects the call at once with `signal.reason`. */
  signal?: AbortSignal;
  /** Stream items, in order, before the call resolves. A throw cancels the call and rejects it. */
  onItem?: (item: unknown) => void;
  /** No final answer in this time: the call is cancelled and rejects with ETIMEDOUT. Default: none. */
  timeoutMs?: number;
}

interface Pending {
  method: string;
  onItem?: (item: unknown) => void;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/** What a connect attempt to a socket found: a listener, nobody, or no permission. */
export function probeSocket(path: string, timeoutMs: number): Promise<'alive' | 'dead' | 'denied'> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    const done = (state: 'alive' | 'dead' | 'denied'): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(state);
    };
    // No answer in time: something holds the socket (a hung daemon), so it is not stale.
    const timer = setTimeout(() => done('alive'), timeoutMs);
    s.once('connect', () => done('alive'));
    s.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EACCES' || err.code === 'EPERM') done('denied');
      else if (err.code === 'EAGAIN') done('alive'); // listening, backlog full
      else done('dead');
    });
  });
}

/** Whether a daemon answers on the session's socket now (a hung one counts: it holds the name). */
export async function daemonAnswers(session: string, env: Record<string, string | undefined> = process.env): Promise<boolean> {
  return (await probeSocket(socketPath(session, env), 1000)) === 'alive';
}

/** One connection to a session daemon; calls on it may overlap. */
export class ControlClient {
  private readonly pending = new Map<number, Pending>();
  private readonly reader = new LineReader(MAX_RESPONSE_LINE_BYTES);
  private nextId = 1;
  private closed = false;
  private closedByUs = false;
  /** Why the connection failed, when the server said so before closing (EPROTO). */
  private failure: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly socketPath: string,
    readonly session: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {
      // 'close' follows and fails the calls in flight
    });
    socket.on('close', () => this.onClose());
    socket.unref();
  }

  /**
   * Connects to a daemon. No socket file: ENOSESSION; a socket nobody listens on: ESTALE
   * (both exit 3); no answer within timeoutMs: ETIMEDOUT.
   */
  static connect(socketPath: string, opts: ConnectOptions = {}): Promise<ControlClient> {
    const session = opts.session ?? basename(socketPath).replace(/\.sock$/, '');
    const timeoutMs = opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const socket = createConnection(socketPath);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new VnetError(
          'ETIMEDOUT',
          `session "${session}" did not accept a connection within ${timeoutMs} ms on ${socketPath}; its daemon may be hung: see its log, or stop it and run \`vnet up\``,
        ));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new ControlClient(socket, socketPath, session));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        socket.destroy();
        reject(connectError(err, socketPath, session));
      });
    });
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Calls a method; resolves with its result or rejects with a RemoteError (code, exit) from the daemon. */
  call<T = unknown>(method: string, params: unknown = {}, opts: CallOptions = {}): Promise<T> {
    const { signal, onItem, timeoutMs } = opts;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.closed) return Promise.reject(this.failure ?? this.goneError(method, 'before'));
    const id = this.nextId++;
    const line = encode({ v: PROTOCOL_VERSION, id, method, params });
    const bytes = Buffer.byteLength(line) - 1;
    if (bytes > MAX_LINE_BYTES) {
      return Promise.reject(new VnetError(
        'EINVAL',
        `the request for ${method} is ${(bytes / 1048576).toFixed(1)} MiB, over the ${MAX_LINE_BYTES / 1048576} MiB limit of one request; send it in parts`,
      ));
    }
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        this.cancel(id);
        settle.reject(signal?.reason);
      };
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        if (this.pending.size === 0) this.socket.unref();
      };
      const settle: Pending = {
        method,
        onItem,
        resolve: (v) => {
          cleanup();
          resolve(v as T);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
      this.pending.set(id, settle);
      this.socket.ref();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.cancel(id);
          settle.reject(new VnetError(
            'ETIMEDOUT',
            `${method} got no answer within ${timeoutMs} ms; the session daemon may be busy or hung: see its log`,
          ));
        }, timeoutMs);
      }
      this.socket.write(line);
    });
  }

  /** Closes the connection; calls in flight reject with an AbortError. */
  close(): void {
    if (this.closed) return;
    this.closedByUs = true;
    this.socket.end();
    // A daemon that does not close its side is cut off; the timer does not hold the process.
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.failAll(new DOMException('the call was abandoned: the client closed its connection', 'AbortError'));
  }

  private cancel(id: number): void {
    if (!this.closed && this.pending.has(id)) this.socket.write(encode({ v: PROTOCOL_VERSION, id, cancel: true }));
  }

  private onData(chunk: Buffer): void {
    const { lines, overflow } = this.reader.push(chunk);
    for (const line of lines) this.onLine(line);
    if (overflow) {
      this.fail(new VnetError('EPROTO', `the session daemon sent a line over ${MAX_RESPONSE_LINE_BYTES / 1048576} MiB; ask for less`));
    }
  }

  private onLine(line: string): void {
    const msg = parseServerLine(line);
    if (msg.kind === 'invalid') {
      this.fail(new VnetError('EPROTO', `${msg.message}; ${RESTART_MEND}`));
      return;
    }
    if (msg.kind === 'version') {
      const err = new VnetError('EPROTO', versionMessage(msg.v, 'response'));
      if (msg.id === null) this.fail(err);
      else this.pending.get(msg.id)?.reject(err);
      return;
    }
    if (msg.id === null) {
      // Not tied to a call: our requests are well formed, so this precedes a close (line too long).
      if (msg.kind === 'final' && !msg.ok) this.failure = new RemoteError(msg.error.code, msg.error.message, msg.error.exit);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return; // cancelled or timed out: late answers are dropped
    if (msg.kind === 'item') {
      if (!p.onItem) return;
      try {
        p.onItem(msg.item);
      } catch (err) {
        this.cancel(msg.id);
        p.reject(err);
      }
    } else if (msg.dropped > 0 && (msg.ok || msg.error.code !== 'ECANCELED')) {
      p.reject(droppedError(msg.dropped, p.method));
    } else if (msg.ok) {
      p.resolve(msg.result);
    } else {
      p.reject(new RemoteError(msg.error.code, msg.error.message, msg.error.exit));
    }
  }

  /** A broken protocol: every call fails with `err` and the connection is dropped. */
  private fail(err: Error): void {
    this.failure ??= err;
    this.socket.destroy();
    this.onClose();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.closedByUs) for (const p of [...this.pending.values()]) p.reject(this.failure ?? this.goneError(p.method, 'during'));
  }

  private failAll(err: unknown): void {
    this.closed = true;
    for (const p of [...this.pending.values()]) p.reject(err);
  }

  private goneError(method: string, when: 'during' | 'before'): VnetError {
    return new VnetError(
      'ESTALE',
      `the session daemon went away ${when} the call (${method}); see its log, and \`vnet up\` to start session "${this.session}" again`,
    );
  }
}

/** ENOBUFS (exit 1): the session dropped stream items because this client read them too slowly. */
function droppedError(dropped: number, method: string): RemoteError {
  return new RemoteError(
    'ENOBUFS',
    `${dropped} items of the ${method} stream were dropped: this command read them more slowly than the session produced them ` +
      `and fell over ${MAX_PENDING_OUTPUT_BYTES / 1048576} MiB behind; send its output to a file or a faster reader`,
  );
}

function connectError(err: NodeJS.ErrnoException, path: string, session: string): VnetError {
  if (err.code === 'ENOENT' || err.code === 'ENOTDIR' || (err.code === 'ECONNREFUSED' && !existsSync(path))) {
    return new VnetError('ENOSESSION', `no session "${session}" is running (no socket at ${path}); start one with \`vnet up\``, { cause: err });
  }
  if (err.code === 'ECONNREFUSED') {
    return new VnetError('ESTALE', `session "${session}" is not running: its daemon died and left ${path}; \`vnet up\` recovers it`, { cause: err });
  }
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new VnetError('EPERM', `may not connect to ${path}: the session belongs to another user; use your own runtime directory`, { cause: err });
  }
  if (err.code === 'EAGAIN') {
    return new VnetError('ETIMEDOUT', `session "${session}" is too busy to accept a connection on ${path}; try again`, { cause: err });
  }
  return new VnetError('ECONNREFUSED', `cannot connect to session "${session}" on ${path}: ${err.message}`, { cause: err });
}
