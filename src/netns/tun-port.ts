// One TUN device as the engine thread sees it: batches of packets arriving from its reader thread
// (tun-worker.ts), and one write(2) per packet going the other way.
import { closeSync, writeSync } from 'node:fs';
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

export class TunPort {
  readonly counters: TunCounters = { read: 0, written: 0, writeErrors: 0 };
  private readonly worker: Worker;
  private readonly stopFlag = new SharedArrayBuffer(4);
  private closed = false;

  /** `onPacket` gets each packet read (a view into a batch buffer nobody reuses); `onError` a read failure. */
  constructor(readonly fd: number, mtu: number, onPacket: (bytes: Uint8Array) => void, onError: (message: string) => void) {
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
    Atomics.store(new Int32Array(this.stopFlag), 0, 1);
  }
}
