// The control protocol between the CLI and a session daemon: messages, framing, error codes and exit codes.
//
// Versioned JSON lines over a Unix stream socket: one JSON object per line, UTF-8, '\n'
// ends a line (a '\r' before it and blank lines are ignored). Every message carries `v`.
//
//   client → server
//     request  { "v": 1, "id": 7, "method": "router.add", "params": { ... } }
//     cancel   { "v": 1, "id": 7, "cancel": true }
//   server → client
//     item     { "v": 1, "id": 7, "item": ... }            zero or more, before the final response
//     final    { "v": 1, "id": 7, "ok": true, "result": ... }   (an undefined result is sent as null)
//              { "v": 1, "id": 7, "ok": false, "error": { "code": "EINVAL", "message": "...", "exit": 2 } }
//
// - Ids are the client's: safe integers, unique among its requests in flight on one connection.
//   Requests on a connection run concurrently; final responses come in completion order.
// - No hello: every message carries `v`, so a mismatch shows on the first request whichever
//   side is newer. A server answers a request of another version with ok:false EPROTO naming
//   both versions; a client that gets a message of another version fails the call with EPROTO.
// - Cancel: the server aborts the request's AbortSignal and at once answers ok:false
//   ECANCELED (exit 130); whatever the method emits or returns afterwards is dropped. A cancel
//   for an id not in flight is ignored (the call may have just finished).
// - Errors not tied to a request (a line that is not JSON, not an object, without a numeric
//   id, or a duplicate id) are answered ok:false EPROTO with id null; the connection stays.
//   A line over MAX_LINE_BYTES is answered the same way and then the connection is closed.
// - When the server closes, calls in flight are aborted and given a grace period to finish;
//   those still running are answered ok:false ESTALE (exit 3). A client whose connection
//   drops with calls in flight fails them with ESTALE (exit 3): it never waits forever.
// - Stream items a client does not read fast enough wait in the server, up to
//   MAX_PENDING_OUTPUT_BYTES per connection; past that the server drops further items of
//   that request (never a final response, never the connection) and its final response
//   says how many: { ..., "ok": true, "result": ..., "dropped": 1234 }. The client fails
//   such a call with ENOBUFS (exit 1), naming the count and its own slowness.
// - Limits against a client that sends without end: one request line is at most
//   MAX_LINE_BYTES; unfinished lines of all connections together at most
//   MAX_PARTIAL_INPUT_BYTES (the connection that passes it is answered EPROTO and closed);
//   at most MAX_CONNECTIONS connections (one more is answered EPROTO and closed).
import { VnetError } from '../engine/errors.js';

export const PROTOCOL_VERSION = 1;
/** The longest request line a server takes (16 MiB, without the newline). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** The longest response line a client takes. */
export const MAX_RESPONSE_LINE_BYTES = 256 * 1024 * 1024;
/** Output a server buffers for one connection before it drops (and counts) further stream items. */
export const MAX_PENDING_OUTPUT_BYTES = 256 * 1024 * 1024;
/** Unfinished request lines a server holds for all its connections together. */
export const MAX_PARTIAL_INPUT_BYTES = 64 * 1024 * 1024;
/** Connections a server serves at once. */
export const MAX_CONNECTIONS = 1000;

export const RESTART_MEND = 'restart the session with this vnet: vnet down && vnet up';

export interface ErrorBody {
  code: string;
  message: string;
  exit: number;
}

export interface RequestMessage {
  v: number;
  id: number;
  method: string;
  params?: unknown;
}
export interface CancelMessage {
  v: number;
  id: number;
  cancel: true;
}
export interface ItemMessage {
  v: number;
  id: number;
  item: unknown;
}
export type FinalMessage =
  | { v: number; id: number | null; ok: true; result: unknown; dropped?: number }
  | { v: number; id: number | null; ok: false; error: ErrorBody; dropped?: number };
export type ServerMessage = ItemMessage | FinalMessage;

/** An error the session daemon sent, or any error that carries its CLI exit code. */
export class RemoteError extends Error {
  readonly code: string;
  readonly exit: number;
  constructor(code: string, message: string, exit: number = exitForCode(code)) {
    super(message);
    this.code = code;
    this.exit = exit;
    this.name = 'RemoteError';
  }
}

const BAD_INPUT = new Set([
  'EINVAL', 'ENOTFOUND', 'EEXIST', 'EADDRINUSE', 'EADDRNOTAVAIL', 'ELOOP', 'EMSGSIZE', 'ERR_SOCKET_BAD_PORT',
]);

/** The CLI exit code for an error code: 2 bad input, 3 no session, 130 cancelled, else 1. */
export function exitForCode(code: string): number {
  if (BAD_INPUT.has(code)) return 2;
  if (code === 'ENOSESSION' || code === 'ESTALE') return 3;
  if (code === 'ECANCELED' || code === 'ABORT_ERR') return 130;
  return 1;
}

/** The CLI exit code for any error: its own `exit` if it has one, else by its code (see exitForCode). */
export function exitCodeOf(err: unknown): number {
  if (err !== null && typeof err === 'object') {
    const e = err as { exit?: unknown; code?: unknown; name?: unknown };
    if (typeof e.exit === 'number' && Number.isInteger(e.exit)) return e.exit;
    if (e.name === 'AbortError') return 130;
    if (typeof e.code === 'string') return exitForCode(e.code);
  }
  return 1;
}

/** What the server sends for an error: a VnetError or RemoteError keeps its code; anything else is EINTERNAL. */
export function errorBody(err: unknown): ErrorBody {
  if (err instanceof RemoteError || err instanceof VnetError) return { code: err.code, message: oneLine(err.message), exit: exitCodeOf(err) };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'EINTERNAL', message: oneLine(message) || 'internal error', exit: 1 };
}

/** An error message stays one line whatever it quotes: control characters (a name holding "\n") are escaped. */
function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** One message as a line. */
export function encode(msg: object): string {
  return `${JSON.stringify(msg)}\n`;
}

export function versionMessage(theirs: unknown, side: 'request' | 'response'): string {
  const v = typeof theirs === 'number' ? `v${theirs}` : 'no version';
  return side === 'request'
    ? `this session daemon speaks control protocol v${PROTOCOL_VERSION} and the request has ${v}; ${RESTART_MEND}`
    : `the session daemon speaks control protocol ${v} and this vnet speaks v${PROTOCOL_VERSION}; ${RESTART_MEND}`;
}

export type ParsedClientMessage =
  | { kind: 'request'; id: number; method: string; params: unknown }
  | { kind: 'cancel'; id: number }
  | { kind: 'invalid'; id: number | null; error: ErrorBody };

const eproto = (message: string): ErrorBody => ({ code: 'EPROTO', message, exit: 1 });

/** A request line, checked. Params absent or null are passed on as {}. */
export function parseClientLine(line: string): ParsedClientMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch (err) {
    return { kind: 'invalid', id: null, error: eproto(`a request line is not JSON (${(err as Error).message}); send one JSON object per line`) };
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    return { kind: 'invalid', id: null, error: eproto('a request line is not a JSON object; send one object per line') };
  }
  const m = msg as Record<string, unknown>;
  const id = typeof m.id === 'number' && Number.isSafeInteger(m.id) ? m.id : null;
  if (m.v !== PROTOCOL_VERSION) return { kind: 'invalid', id, error: eproto(versionMessage(m.v, 'request')) };
  if (id === null) return { kind: 'invalid', id, error: eproto('a request has no integer "id"; number each request') };
  if (m.cancel === true) return { kind: 'cancel', id };
  if (typeof m.method !== 'string' || m.method === '') {
    return { kind: 'invalid', id, error: eproto(`request ${id} has no "method" string; name the method to call`) };
  }
  return { kind: 'request', id, method: m.method, params: m.params ?? {} };
}

export type ParsedServerMessage =
  | { kind: 'item'; id: number; item: unknown }
  | { kind: 'final'; id: number | null; ok: true; result: unknown; dropped: number }
  | { kind: 'final'; id: number | null; ok: false; error: ErrorBody; dropped: number }
  | { kind: 'version'; id: number | null; v: unknown }
  | { kind: 'invalid'; message: string };

/** A response line, checked. */
export function parseServerLine(line: string): ParsedServerMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch (err) {
    return { kind: 'invalid', message: `the session daemon sent a line that is not JSON (${(err as Error).message})` };
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    return { kind: 'invalid', message: 'the session daemon sent a line that is not a JSON object' };
  }
  const m = msg as Record<string, unknown>;
  const id = typeof m.id === 'number' && Number.isSafeInteger(m.id) ? m.id : m.id === null ? null : undefined;
  if (id === undefined) return { kind: 'invalid', message: 'the session daemon sent a message without an id' };
  if (m.v !== PROTOCOL_VERSION) return { kind: 'version', id, v: m.v };
  if ('item' in m && id !== null) return { kind: 'item', id, item: m.item };
  const dropped = typeof m.dropped === 'number' && Number.isSafeInteger(m.dropped) && m.dropped > 0 ? m.dropped : 0;
  if (m.ok === true) return { kind: 'final', id, ok: true, result: m.result ?? null, dropped };
  if (m.ok === false) {
    const e = (m.error ?? {}) as Record<string, unknown>;
    const code = typeof e.code === 'string' ? e.code : 'EINTERNAL';
    const exit = typeof e.exit === 'number' && Number.isInteger(e.exit) ? e.exit : exitForCode(code);
    const message = typeof e.message === 'string' ? e.message : `the session daemon failed with ${code}`;
    return { kind: 'final', id, ok: false, error: { code, message, exit }, dropped };
  }
  return { kind: 'invalid', message: 'the session daemon sent a message that is neither an item nor a response' };
}

/**
 * Splits a byte stream into lines of at most `max` bytes. Works on bytes, so a UTF-8
 * character split across chunks is kept whole ('\n' never occurs inside one).
 */
export class LineReader {
  private parts: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}

  /** Bytes of the unfinished line held. */
  get pending(): number {
    return this.size;
  }

  /** Lets go of the unfinished line (the connection is gone). */
  clear(): void {
    this.parts = [];
    this.size = 0;
  }

  /** The lines this chunk completes; `overflow` when a line passed the limit (stop reading then). */
  push(chunk: Buffer): { lines: string[]; overflow: boolean } {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      const len = this.size + (nl - start);
      if (len > this.max) return { lines, overflow: true };
      let line: string;
      if (this.size === 0) {
        line = chunk.toString('utf8', start, nl);
      } else {
        this.parts.push(chunk.subarray(start, nl));
        line = Buffer.concat(this.parts, len).toString('utf8');
        this.parts = [];
        this.size = 0;
      }
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.trim() !== '') lines.push(line);
      start = nl + 1;
    }
    const rest = chunk.length - start;
    if (rest > 0) {
      if (this.size + rest > this.max) return { lines, overflow: true };
      this.parts.push(chunk.subarray(start));
      this.size += rest;
    }
    return { lines, overflow: false };
  }
}
