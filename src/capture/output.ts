// Where a capture's bytes go: a file, written through a buffer of whole records (flushed past
// 64 KiB, on the event-loop turn after a burst, and on flush/close), or a sink that gets each
// record as it is made. Methods throw on I/O failure; the capture turns that into its 'failed' state.
// A flush that fails part way (ENOSPC after a short write) cuts the file back to the end of the
// last flush, so the file never ends inside a record.
// A kill -9 can still stop a write() part way, but Linux stops it only where a page of the file ends
// (see pagePadding): with `pageBlocks` (pcapng to a regular file) no block crosses such a boundary,
// so whatever prefix of a write reaches the file is whole blocks.
import { closeSync, ftruncateSync, writeSync } from 'node:fs';
import { FILE_PAGE, pagePadding, putPaddingBlock } from './formats.js';

/** Flush once this many bytes wait. */
export const FLUSH_THRESHOLD = 64 * 1024;
const INITIAL_SIZE = 2 * FLUSH_THRESHOLD;

/** A file opened for us alone (written at explicit offsets, cut back on failure) unless `stream` (a FIFO or device: appended). */
export type OutputTarget = { kind: 'file'; fd: number; path: string; stream?: boolean } | { kind: 'sink'; sink: (chunk: Uint8Array) => void };

export class CaptureOutput {
  /** Records are assembled in place here, from `used` on. */
  buf = new Uint8Array(INITIAL_SIZE);
  used = 0;
  private readonly target: OutputTarget;
  private immediate: NodeJS.Immediate | null = null;
  private closed = false;
  /** Called when a deferred flush fails (the immediate has no caller to throw to). */
  private readonly onDeferredError: (err: unknown) => void;
  /** Called after each flush that wrote everything buffered (and after each record a sink took). */
  onWritten: () => void = () => {};
  /** Bytes of whole records in the file: where a failed flush cuts it back to. */
  private fileBytes = 0;
  /** pcapng blocks are placed so that none crosses a page boundary of the file (padding blocks fill the gaps). */
  readonly pageBlocks: boolean;
  /** Extra room a block may need in the buffer for the padding before it. */
  readonly blockSlack: number;

  constructor(target: OutputTarget, onDeferredError: (err: unknown) => void, opts: { pcapng?: boolean } = {}) {
    this.target = target;
    this.onDeferredError = onDeferredError;
    this.pageBlocks = opts.pcapng === true && target.kind === 'file' && target.stream !== true;
    this.blockSlack = this.pageBlocks ? FILE_PAGE : 0;
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

  /** Appends bytes made elsewhere (file headers: the pcap header, or one pcapng block). */
  append(bytes: Uint8Array): void {
    this.reserve(bytes.length + this.blockSlack);
    const at = this.used;
    this.buf.set(bytes, at);
    this.used = this.placeBlock(at, bytes.length);
  }

  /**
   * A pcapng block of `total` bytes was just made at buf[at..]: when it would cross a page boundary
   * of the file, moves it past a padding block that ends at that boundary. Returns where it now ends.
   * The buffer must have `blockSlack` bytes of room past it.
   */
  placeBlock(at: number, total: number): number {
    if (!this.pageBlocks) return at + total;
    const pad = pagePadding(this.fileBytes + at, total);
    if (pad === 0) return at + total;
    this.buf.copyWithin(at + pad, at, at + total);
    putPaddingBlock(this.buf, at, pad);
    return at + pad + total;
  }

  /** A whole record (or header) now ends at `used`: a sink gets it at once; a file flushes when enough waits or soon after. */
  commit(): void {
    if (this.target.kind === 'sink') {
      const chunk = this.buf.slice(0, this.used);
      this.used = 0;
      this.target.sink(chunk);
      this.onWritten();
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
      const stream = this.target.stream === true;
      while (off < this.used) off += writeSync(fd, this.buf, off, this.used - off, stream ? null : this.fileBytes + off);
    } catch (err) {
      // Part of a record may be in the file: cut back to the last flush's end. The buffer keeps
      // everything for a later try, which writes at that same offset.
      if (off > 0) this.cutBack();
      throw err;
    }
    this.fileBytes += this.used;
    this.used = 0;
    this.onWritten();
  }

  /** Truncates the file to its whole records. Best effort: a device or FIFO cannot be cut. */
  private cutBack(): void {
    if (this.target.kind !== 'file' || this.target.stream) return;
    try {
      ftruncateSync(this.target.fd, this.fileBytes);
    } catch {
      // The original error is the one to report.
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
