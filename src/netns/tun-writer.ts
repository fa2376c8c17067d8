// The writer thread of one TUN device (TunPort's 'thread' writer): the engine thread posts batches of
// packets; each is written with one write(2), here, so the kernel's receive path for the namespace
// (which runs inside that call) takes this thread's time instead of the engine's. Failed writes are
// counted in shared memory. A batch with count -1 stops it.
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { TunBatch } from './tun-worker.js';

export interface TunWriterData {
  fd: number;
  /** Int32 [0]: writes the kernel refused. */
  errors: SharedArrayBuffer;
}

const { fd, errors } = workerData as TunWriterData;
const failed = new Int32Array(errors);
parentPort!.on('message', (b: TunBatch) => {
  if (b.count < 0) {
    parentPort!.close();
    return;
  }
  let off = 0;
  for (let i = 0; i < b.count; i++) {
    const n = b.lens[i];
    try {
      writeSync(fd, new Uint8Array(b.buf, off, n));
    } catch {
      Atomics.add(failed, 0, 1);
    }
    off = (off + n + 7) & ~7;
  }
});
