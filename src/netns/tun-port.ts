// One TUN device as the engine thread sees it: batches of packets arriving from its reader thread
// (tun-worker.ts), and one write(2) per packet going the other way.
import { closeSync, read, writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { TunBatch, TunWorkerData } from './tun-worker.js';

export interface TunCounters {
  /** Packets read from the device. */
  read: number;
  /** Packets written to it. */
  written: number;
  /** Writes the kernel refused (EIO while the link is down, ENOBUFS, ...). */
  writeErrors: number;
}

/**
 * How packets are read: 'worker' (the default: a thread polling a non-blocking fd, posting batches) or
 * 'threadpool' (fs.read of a blocking fd on libuv's thread pool, one packet per callback; the bench
 * measures it beside the worker, and it cannot be stopped until a packet or the device's removal wakes it).
 */
export type TunReader = 'worker' | 'threadpool';

/**
 * How packets are written, one write(2) each: 'engine' (on the engine thread, as they come) or 'thread'
 * (copied into a batch posted, once the engine's current task is done, to a writer thread).
 */
export type TunWriter = 'engine' | 'thread';

const WRITE_BATCH_BYTES = 256 * 1024;
const WRITE_BATCH_PACKETS = 256;

export class TunPort {
  readonly counters: TunCounters = { read: 0, written: 0, writeErrors: 0 };
  private readonly worker: Worker | null = null;
  private readonly stopFlag = new SharedArrayBuffer(4);
  private closed = false;
  private writer: Worker | null = null;
  private readonly writeErrors = new SharedArrayBuffer(4);
  private batch: { buf: ArrayBuffer; view: Uint8Array; lens: Uint32Array; used: number; count: number } | null = null;
  private flushQueued = false;
  /** Threads using the fd; it is closed when the last one has exited. */
  private users = 0;

  /** `onPacket` gets each packet read (a view into a batch buffer nobody reuses); `onError` a read failure. */
  constructor(readonly fd: number, mtu: number, onPacket: (bytes: Uint8Array) => void, onError: (message: string) => void, reader: TunReader = 'worker', writer: TunWriter = 'engine') {
    if (writer === 'thread') {
      this.writer = new Worker(new URL('./tun-writer.js', import.meta.url), { workerData: { fd, errors: this.writeErrors } });
      this.writer.unref();
      this.users++;
      this.writer.once('exit', () => this.release());
    }
    if (reader === 'threadpool') {
      this.readOnThreadPool(mtu, onPacket, onError);
      return;
    }
    const data: TunWorkerData = { fd, mtu, stop: this.stopFlag };
    this.worker = new Worker(new URL('./tun-worker.js', import.meta.url), { workerData: data });
    this.worker.unref();
    this.worker.on('message', (m: TunBatch | { error: string }) => {
      if ('error' in m) return onError(m.error);
      let off = 0;
      for (let i = 0; i < m.count; i++) {
        const n = m.lens[i];
        this.counters.read++;
        onPacket(new Uint8Array(m.buf, off, n));
        off = (off + n + 7) & ~7;
      }
    });
    this.worker.on('error', (err) => onError(err.message));
    // The fd is closed once the reader (and writer) are gone, never under them (its number could be reused).
    this.users++;
    this.worker.once('exit', () => this.release());
  }

  private release(): void {
    if (--this.users === 0) closeSync(this.fd);
  }

  /** Writes failed so far (the writer thread's included). */
  get writeErrorCount(): number {
    return this.counters.writeErrors + Atomics.load(new Int32Array(this.writeErrors), 0);
  }

  /** Copies a packet into the batch for the writer thread, posted once the current task is done. */
  private queueWrite(bytes: Uint8Array): void {
    let b = this.batch;
    if (b === null || b.count === WRITE_BATCH_PACKETS || b.used + bytes.length > WRITE_BATCH_BYTES) {
      if (b !== null) this.flushWrites();
      const buf = new ArrayBuffer(WRITE_BATCH_BYTES);
      b = this.batch = { buf, view: new Uint8Array(buf), lens: new Uint32Array(WRITE_BATCH_PACKETS), used: 0, count: 0 };
    }
    b.view.set(bytes, b.used);
    b.lens[b.count++] = bytes.length;
    b.used = (b.used + bytes.length + 7) & ~7;
    this.counters.written++;
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flushWrites());
    }
  }

  private flushWrites(): void {
    this.flushQueued = false;
    const b = this.batch;
    if (b === null || b.count === 0 || this.writer === null) return;
    this.batch = null;
    const msg: TunBatch = { buf: b.buf, lens: b.lens, count: b.count };
    this.writer.postMessage(msg, [b.buf, b.lens.buffer as ArrayBuffer]);
  }

  private readOnThreadPool(mtu: number, onPacket: (bytes: Uint8Array) => void, onError: (message: string) => void): void {
    const next = (): void => {
      const buf = Buffer.allocUnsafe(mtu);
      read(this.fd, buf, 0, mtu, null, (err, n) => {
        if (this.closed) return closeSync(this.fd);
        if (err) return onError(err.code ?? err.message);
        this.counters.read++;
        onPacket(buf.subarray(0, n));
        next();
      });
    };
    next();
  }

  /** Writes one packet into the device (the namespace's kernel receives it). */
  write(bytes: Uint8Array): void {
    if (this.closed) return;
    if (this.writer !== null) return this.queueWrite(bytes);
    try {
      writeSync(this.fd, bytes);
      this.counters.written++;
    } catch {
      this.counters.writeErrors++;
    }
  }

  /** Stops the reader; the fd closes when it has exited (within its poll interval). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // The worker sees this and exits (then the fd closes); a thread-pool read closes it when it returns.
    Atomics.store(new Int32Array(this.stopFlag), 0, 1);
    if (this.writer !== null) {
      this.flushWrites();
      this.writer.postMessage({ buf: new ArrayBuffer(0), lens: new Uint32Array(0), count: -1 } satisfies TunBatch);
    }
  }
}
