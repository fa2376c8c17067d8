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

export class TunPort {
  readonly counters: TunCounters = { read: 0, written: 0, writeErrors: 0 };
  private readonly worker: Worker | null = null;
  private readonly stopFlag = new SharedArrayBuffer(4);
  private closed = false;

  /** `onPacket` gets each packet read (a view into a batch buffer nobody reuses); `onError` a read failure. */
  constructor(readonly fd: number, mtu: number, onPacket: (bytes: Uint8Array) => void, onError: (message: string) => void, reader: TunReader = 'worker') {
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
    // The fd is closed once the reader is gone, never under it (its number could be reused).
    this.worker.once('exit', () => closeSync(fd));
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
  }
}
