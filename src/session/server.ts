// The session daemon's control server: JSON-lines requests on a Unix socket, handed to a method dispatcher.
import { lstatSync, unlinkSync, chmodSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { basename } from 'node:path';
import { VnetError } from '../engine/errors.js';
import {
  encode, errorBody, LineReader, MAX_CONNECTIONS, MAX_LINE_BYTES, MAX_PARTIAL_INPUT_BYTES, MAX_PENDING_OUTPUT_BYTES,
  parseClientLine, PROTOCOL_VERSION, type ErrorBody,
} from './protocol.js';
import { probeSocket } from './client.js';

export interface DispatchContext {
  /** Aborted when the client cancels, the client goes away, or the server closes. */
  signal: AbortSignal;
  /** Sends one stream item before the final response; a no-op once the request is over. */
  emit(item: unknown): void;
  /** The connection's number, unique within this server. */
  clientId: number;
}

export type Dispatcher = (method: string, params: unknown, ctx: DispatchContext) => Promise<unknown> | unknown;

export interface ControlServerOptions {
  socketPath: string;
  /** Named in errors; default: the socket file's name without `.sock`. */
  session?: string;
  /** How long close() lets aborted requests finish before answering them ESTALE (default 500 ms). */
  closeGraceMs?: number;
  /** Protocol problems and dropped connections, one line each (for the daemon's log). */
  log?: (line: string) => void;
  /** Smaller limits than protocol.ts's (tests). */
  limits?: Partial<ServerLimits>;
}

interface InFlight {
  id: number;
  ac: AbortController;
  done: boolean;
  settled: Promise<void>;
  /** Stream items not sent because the client was too far behind. */
  dropped: number;
}

/** What a server allows; the defaults are protocol.ts's constants (tests set smaller ones). */
export interface ServerLimits {
  maxLineBytes: number;
  maxPartialInputBytes: number;
  maxPendingOutputBytes: number;
  maxConnections: number;
}

/** Unfinished request lines held by all of a server's connections. */
interface InputBudget {
  used: number;
}

const CANCELED: ErrorBody = { code: 'ECANCELED', message: 'the call was cancelled by the client', exit: 130 };
const MiB = (n: number): string => `${+(n / 1048576).toFixed(1)} MiB`;

class Connection {
  readonly inflight = new Map<number, InFlight>();
  private readonly reader: LineReader;
  private refused = false;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly dispatch: Dispatcher,
    private readonly log: (line: string) => void,
    private readonly limits: ServerLimits,
    private readonly budget: InputBudget,
    private readonly connections: () => number,
  ) {
    this.reader = new LineReader(limits.maxLineBytes);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.log(`client ${id}: ${err.message}`));
    socket.on('close', () => {
      this.releaseInput();
      this.abortAll(new DOMException('the client went away', 'AbortError'));
    });
  }

  private releaseInput(): void {
    this.budget.used -= this.reader.pending;
    this.reader.clear();
  }

  private onData(chunk: Buffer): void {
    if (this.refused) return;
    const before = this.reader.pending;
    const { lines, overflow } = this.reader.push(chunk);
    this.budget.used += this.reader.pending - before;
    for (const line of lines) this.onLine(line);
    if (overflow) {
      this.refuse(`a request line is over ${MiB(this.limits.maxLineBytes)}; the connection is closed: send smaller requests`);
    } else if (this.budget.used > this.limits.maxPartialInputBytes) {
      this.refuse(
        `the session daemon holds over ${MiB(this.limits.maxPartialInputBytes)} of unfinished request lines from ${this.connections()} connections; ` +
          'this connection is closed: end each request with a newline',
      );
    }
  }

  /** Answers EPROTO (id null), stops reading and closes the connection. */
  refuse(message: string): void {
    this.refused = true;
    this.releaseInput();
    this.log(`client ${this.id}: ${message}`);
    this.abortAll(new DOMException('the connection was refused', 'AbortError'));
    this.socket.end(encode({ v: PROTOCOL_VERSION, id: null, ok: false, error: { code: 'EPROTO', message, exit: 1 } }), () =>
      this.socket.destroy(),
    );
  }

  private onLine(line: string): void {
    if (this.refused) return;
    const msg = parseClientLine(line);
    if (msg.kind === 'invalid') {
      this.log(`client ${this.id}: ${msg.error.message}`);
      this.send({ v: PROTOCOL_VERSION, id: msg.id, ok: false, error: msg.error });
    } else if (msg.kind === 'cancel') {
      const req = this.inflight.get(msg.id);
      if (req) {
        this.finish(req, { v: PROTOCOL_VERSION, id: req.id, ok: false, error: CANCELED });
        req.ac.abort(new DOMException('the client cancelled the call', 'AbortError'));
      }
    } else if (this.inflight.has(msg.id)) {
      const message = `request id ${msg.id} is already in flight on this connection; use a new id per request`;
      this.send({ v: PROTOCOL_VERSION, id: null, ok: false, error: { code: 'EPROTO', message, exit: 1 } });
    } else {
      this.start(msg.id, msg.method, msg.params);
    }
  }

  private start(id: number, method: string, params: unknown): void {
    const ac = new AbortController();
    const req: InFlight = { id, ac, done: false, settled: Promise.resolve(), dropped: 0 };
    this.inflight.set(id, req);
    const ctx: DispatchContext = {
      signal: ac.signal,
      clientId: this.id,
      emit: (item: unknown) => {
        if (req.done) return;
        // A client this far behind loses stream items (counted, reported in the final response), never the connection.
        if (this.socket.writableLength > this.limits.maxPendingOutputBytes) {
          if (req.dropped++ === 0) this.log(`client ${this.id}: over ${MiB(this.limits.maxPendingOutputBytes)} of output it has not read; dropping stream items of request ${id}`);
          return;
        }
        this.send({ v: PROTOCOL_VERSION, id, item: item === undefined ? null : item });
      },
    };
    req.settled = new Promise<unknown>((resolve) => resolve(this.dispatch(method, params, ctx))).then(
      (result) => {
        let line: string;
        try {
          line = encode(withDropped({ v: PROTOCOL_VERSION, id, ok: true, result: result === undefined ? null : result }, req));
        } catch (err) {
          const message = `the result of ${method} cannot be sent as JSON: ${(err as Error).message}`;
          line = encode(withDropped({ v: PROTOCOL_VERSION, id, ok: false, error: { code: 'EINTERNAL', message, exit: 1 } }, req));
        }
        this.finishLine(req, line);
      },
      (err: unknown) => {
        // Once aborted, the reason (cancel, shutdown) says why, whatever the method threw.
        const error = errorBody(ac.signal.aborted ? ac.signal.reason : err);
        this.finish(req, withDropped({ v: PROTOCOL_VERSION, id, ok: false, error }, req));
      },
    );
  }

  /** Sends a request's final response, once. */
  finish(req: InFlight, msg: object): void {
    if (!req.done) this.finishLine(req, encode(msg));
  }

  private finishLine(req: InFlight, line: string): void {
    if (req.done) return;
    req.done = true;
    this.inflight.delete(req.id);
    this.write(line);
  }

  private send(msg: object): void {
    this.write(encode(msg));
  }

  private write(line: string): void {
    const s = this.socket;
    if (s.destroyed || s.writableEnded) return;
    s.write(line);
  }

  abortAll(reason: unknown): void {
    for (const req of this.inflight.values()) if (!req.ac.signal.aborted) req.ac.abort(reason);
  }
}

function withDropped<T extends object>(msg: T, req: InFlight): T {
  return req.dropped > 0 ? { ...msg, dropped: req.dropped } : msg;
}

/** EEXIST (exit 2): a daemon answers on the session's socket already. */
export function alreadyRunning(session: string, socketPath: string): VnetError {
  return new VnetError(
    'EEXIST',
    `session "${session}" is already running (its daemon answers on ${socketPath}); stop it with \`vnet down\` or pick another name with --session`,
  );
}

/** Serves a Dispatcher on a Unix socket (mode 0600) to any number of clients. */
export class ControlServer {
  readonly socketPath: string;
  private readonly session: string;
  private readonly closeGraceMs: number;
  private readonly log: (line: string) => void;
  private server: Server | undefined;
  private readonly conns = new Set<Connection>();
  private readonly limits: ServerLimits;
  private readonly budget: InputBudget = { used: 0 };
  private nextClient = 1;
  private socketIno: number | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly dispatch: Dispatcher,
    opts: ControlServerOptions,
  ) {
    this.socketPath = opts.socketPath;
    this.session = opts.session ?? basename(opts.socketPath).replace(/\.sock$/, '');
    this.closeGraceMs = opts.closeGraceMs ?? 500;
    this.log = opts.log ?? (() => {});
    this.limits = {
      maxLineBytes: MAX_LINE_BYTES,
      maxPartialInputBytes: MAX_PARTIAL_INPUT_BYTES,
      maxPendingOutputBytes: MAX_PENDING_OUTPUT_BYTES,
      maxConnections: MAX_CONNECTIONS,
      ...opts.limits,
    };
  }

  /** Number of open client connections. */
  get connections(): number {
    return this.conns.size;
  }

  /** Bytes of unfinished request lines held for all connections. */
  get partialInputBytes(): number {
    return this.budget.used;
  }

  /**
   * Listens on the socket path. A live socket there (someone answers) is refused with EEXIST;
   * a stale one (its daemon died) is removed first.
   */
  async listen(): Promise<void> {
    if (this.server || this.closing) throw new Error('ControlServer.listen() may be called once');
    await this.clearStale();
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        this.server = undefined;
        reject(err.code === 'EADDRINUSE' ? alreadyRunning(this.session, this.socketPath) : err);
      };
      server.once('error', onError);
      server.once('listening', () => {
        server.off('error', onError);
        resolve();
      });
      // The bind is synchronous in listen(): the umask covers exactly the socket's creation.
      let old: number | undefined;
      try {
        old = process.umask(0o177);
      } catch {
        // worker threads cannot change the umask: the chmod below still applies
      }
      try {
        server.listen(this.socketPath);
      } finally {
        if (old !== undefined) process.umask(old);
      }
    });
    server.on('error', (err) => this.log(`control server: ${err.message}`));
    try {
      chmodSync(this.socketPath, 0o600);
      const st = lstatSync(this.socketPath);
      if (!st.isSocket() || (st.mode & 0o777) !== 0o600) {
        throw new VnetError('EPERM', `the control socket ${this.socketPath} has mode ${(st.mode & 0o777).toString(8)}, not 600; check the file system it lives on`);
      }
      this.socketIno = st.ino;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private async clearStale(): Promise<void> {
    let st;
    try {
      st = lstatSync(this.socketPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    if (!st.isSocket()) {
      throw new VnetError('EEXIST', `${this.socketPath} exists and is not a socket; remove it or set VNET_RUNTIME_DIR`);
    }
    const state = await probeSocket(this.socketPath, 1000);
    if (state === 'alive') throw alreadyRunning(this.session, this.socketPath);
    if (state === 'denied') {
      throw new VnetError('EPERM', `may not connect to ${this.socketPath} to check it; remove it if no daemon uses it`);
    }
    try {
      unlinkSync(this.socketPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.log(`removed the stale socket ${this.socketPath}`);
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const conn = new Connection(this.nextClient++, socket, this.dispatch, this.log, this.limits, this.budget, () => this.conns.size);
    if (this.conns.size >= this.limits.maxConnections) {
      conn.refuse(`the session daemon serves at most ${this.limits.maxConnections} connections at once; this one is closed: close idle clients and try again`);
      return;
    }
    this.conns.add(conn);
    socket.on('close', () => this.conns.delete(conn));
  }

  /**
   * Stops accepting, aborts every call in flight and gives them closeGraceMs to finish (a
   * stream may return its result); the rest are answered ESTALE. Then closes every
   * connection and removes the socket file. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    const closed = server
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    const reason = new VnetError('ESTALE', `session "${this.session}" is shutting down; \`vnet up\` starts it again`);
    const pending: Promise<void>[] = [];
    for (const conn of this.conns) {
      for (const req of conn.inflight.values()) pending.push(req.settled);
      conn.abortAll(reason);
    }
    if (pending.length > 0) await settleWithin(Promise.all(pending), this.closeGraceMs);
    const gone: ErrorBody = { code: 'ESTALE', message: 'the session daemon went away during the call; `vnet up` starts it again', exit: 3 };
    const ends: Promise<void>[] = [];
    for (const conn of this.conns) {
      for (const req of [...conn.inflight.values()]) conn.finish(req, { v: PROTOCOL_VERSION, id: req.id, ok: false, error: gone });
      const s = conn.socket;
      ends.push(new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve()))));
      s.end();
    }
    // A client that does not close its side in time is cut off.
    const late = setTimeout(() => {
      for (const conn of this.conns) conn.socket.destroy();
    }, 1000);
    await Promise.all(ends);
    clearTimeout(late);
    await closed;
    this.removeSocketFile();
  }

  private removeSocketFile(): void {
    if (this.socketIno === undefined) return;
    try {
      // Only our own socket: a newer daemon may already have taken the path.
      if (lstatSync(this.socketPath).ino === this.socketIno) unlinkSync(this.socketPath);
    } catch {
      // already gone (node removes it on close)
    }
  }
}

function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    void p.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
