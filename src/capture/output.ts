// Where a capture's bytes go: a file, written through a buffer of whole records (flushed past
// 64 KiB, on the event-loop turn after a burst, and on flush/close), or a sink that gets each
// record as it is made. Methods throw on I/O failure; the capture turns that into its 'failed' state.
import { closeSync, writeSync } from 'node:fs';

/** Flush once this many bytes wait. */
export const FLUSH_THRESHOLD = 64 * 1024;
const INITIAL_SIZE = 2 * FLUSH_THRESHOLD;

export type OutputTarget = { kind: 'file'; fd: number; path: string } | { kind: 'sink'; sink: (chunk: Uint8Array) => void };

export class CaptureOutput {
  /** Records are assembled in place here, from `used` on. */
  buf = new Uint8Array(INITIAL_SIZE);
  used = 0;
  private readonly target: OutputTarget;
  private immediate: NodeJS.Immediate | null = null;
  private closed = false;
  /** Called when a deferred flush fails (the immediate has no caller to throw to). */
  private readonly onDeferredError: (err: unknown) => void;

  constructor(target: OutputTarget, onDeferredError: (err: unknown) => void) {
    this.target = target;
    this.onDeferredError = onDeferredError;
  }

  /** Makes room for `n` more bytes at buf[used..]: flushes what waits, grows for a record larger than the buffer. */
  reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(n, this.buf.length * 2));
      bigger.set(this.buf.subarray(0, this.used));
      this.buf = bigger;
    }
  }

  /** Appends bytes made elsewhere (file headers). */
  append(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }

  /** A whole record (or header) now ends at `used`: a sink gets it at once; a file flushes when enough waits or soon after. */
  commit(): void {
    if (this.target.kind === 'sink') {
      const chunk = this.buf.slice(0, this.used);
      this.used = 0;
      this.target.sink(chunk);
      return;
    }
    if (this.used >= FLUSH_THRESHOLD) this.flush();
    else if (this.immediate === null && !this.closed) {
      this.immediate = setImmediate(() => this.deferredFlush());
      this.immediate.unref();
    }
  }

  /** Writes everything buffered (whole records only, since records are committed whole). */
  flush(): void {
    if (this.immediate !== null) {
      clearImmediate(this.immediate);
      this.immediate = null;
    }
    if (this.used === 0 || this.target.kind === 'sink') return;
    const fd = this.target.fd;
    let off = 0;
    try {
      while (off < this.used) off += writeSync(fd, this.buf, off, this.used - off);
    } finally {
      // What was written is gone from the buffer; what was not stays for a later try.
      if (off > 0 && off < this.used) this.buf.copyWithin(0, off, this.used);
      this.used -= off;
    }
  }

  /** Flushes and closes the file (a sink has nothing to close). Safe to call twice. */
  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
      if (this.target.kind === 'file') closeSync(this.target.fd);
    }
  }

  /** Closes without writing what waits (after a failure). Never throws. */
  abandon(): void {
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.immediate = null;
    if (this.closed) return;
    this.closed = true;
    this.used = 0;
    if (this.target.kind === 'file') {
      try {
        closeSync(this.target.fd);
      } catch {
        // Already failing: the first error is the one reported.
      }
    }
  }

  private deferredFlush(): void {
    this.immediate = null;
    try {
      this.flush();
    } catch (err) {
      this.onDeferredError(err);
    }
  }
}
