// The reader thread of one TUN device: poll(2) until the fd is readable, read packets (one per read)
// while poll says more wait, into one ArrayBuffer, and post that batch to the engine thread, transferring the buffer.
// A flag in shared memory stops it (checked at least every POLL_MS); the engine thread closes the fd
// only after this thread has exited, so the number is never reused under a read.
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { libc } from './libc.js';

export interface TunWorkerData {
  fd: number;
  /** The device's MTU: the longest packet one read returns. */
  mtu: number;
  /** Int32 [0]: set to 1 to stop. */
  stop: SharedArrayBuffer;
}

/** One batch: packets back to back in `buf`, each starting at a multiple of 8, lengths in `lens`. */
export interface TunBatch {
  buf: ArrayBuffer;
  lens: Uint32Array;
  count: number;
}

const POLLIN = 1;
const POLL_MS = 50;
/** Packets per batch at most (a batch is also posted when its buffer is full and when the fd runs dry). */
const MAX_BATCH = 256;

function main(data: TunWorkerData): void {
  const { fd, mtu } = data;
  const stop = new Int32Array(data.stop);
  const { poll } = libc();
  const pfd = Buffer.alloc(8);
  pfd.writeInt32LE(fd, 0);
  pfd.writeInt16LE(POLLIN, 4);
  const size = Math.max(256 * 1024, 8 * (mtu + 8));
  let buf = new ArrayBuffer(size);
  let view = new Uint8Array(buf);
  let lens = new Uint32Array(MAX_BATCH);
  let used = 0;
  let count = 0;
  const flush = (): void => {
    if (count === 0) return;
    const batch: TunBatch = { buf, lens, count };
    parentPort!.postMessage(batch, [buf, lens.buffer]);
    buf = new ArrayBuffer(size);
    view = new Uint8Array(buf);
    lens = new Uint32Array(MAX_BATCH);
    used = 0;
    count = 0;
  };
  while (Atomics.load(stop, 0) === 0) {
    pfd.writeInt16LE(0, 6);
    if (poll(pfd, 1, POLL_MS) <= 0) continue;
    // Readable: read a packet, then ask poll (not a failing read: a thrown EAGAIN costs far more) whether
    // another is waiting; post the batch when none is.
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, view, used, mtu, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EINTR') break;
        flush();
        parentPort!.postMessage({ error: `${code ?? (err as Error).message}` });
        return;
      }
      lens[count++] = n;
      used = (used + n + 7) & ~7;
      if (count === MAX_BATCH || size - used < mtu) flush();
      pfd.writeInt16LE(0, 6);
      if (poll(pfd, 1, 0) <= 0) break;
    }
    flush();
  }
}

main(workerData as TunWorkerData);
