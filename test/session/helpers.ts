// Helpers for the transport tests: a throwaway runtime directory, bounded waits and a raw line client.
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh runtime directory under os.tmpdir(); `cleanup` removes it. */
export function tempRuntime(): { dir: string; env: Record<string, string>; sock: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-rt-'));
  return {
    dir,
    env: { VNET_RUNTIME_DIR: dir },
    sock: join(dir, 'default.sock'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `p`, or a rejection naming `what` after `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The rejection of `p` (fails if it resolves), within `ms`. */
export async function rejection(p: Promise<unknown>, ms: number, what: string): Promise<Record<string, unknown>> {
  try {
    await within(p, ms, what);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('timed out after')) throw err;
    return err as Record<string, unknown>;
  }
  throw new Error(`${what} resolved; it should have rejected`);
}

/** A promise with its resolve and reject, to let tests release dispatchers when they choose. */
export function deferred<T = void>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A bare socket that writes raw text and reads whole lines as parsed JSON, for protocol tests. */
export class RawClient {
  private buf = '';
  private readonly lines: unknown[] = [];
  private waiter: (() => void) | undefined;
  ended = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (s: string) => {
      this.buf += s;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(JSON.parse(this.buf.slice(0, nl)));
        this.buf = this.buf.slice(nl + 1);
      }
      this.waiter?.();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.ended = true;
      this.waiter?.();
    });
  }

  static connect(path: string): Promise<RawClient> {
    return within(
      new Promise((resolve, reject) => {
        const s = createConnection(path);
        s.once('connect', () => resolve(new RawClient(s)));
        s.once('error', reject);
      }),
      2000,
      `a connection to ${path}`,
    );
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** The next line the server sent, within `ms`. */
  async next(ms = 2000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    while (this.lines.length === 0) {
      if (this.ended) throw new Error('the connection closed before a line arrived');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line from the server within ${ms} ms`);
      await within(new Promise<void>((r) => (this.waiter = r)), left, 'a line from the server').catch(() => {});
      this.waiter = undefined;
    }
    return this.lines.shift() as Record<string, unknown>;
  }

  /** Resolves when the server closed the connection, within `ms`. */
  async closed(ms = 2000): Promise<void> {
    if (this.ended) return;
    await within(new Promise<void>((r) => this.socket.once('close', () => r())), ms, 'the server to close the connection');
  }

  destroy(): void {
    this.socket.destroy();
  }
}
