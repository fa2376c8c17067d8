// Mending a capture file whose writer died (kill -9): find where its last whole record (pcap) or
// block (pcapng) ends and cut off what follows, when that is the start of one more record that
// the kernel cut short. A file that is not a capture as vnet writes them (little-endian pcap or
// pcapng), or that is malformed before its end, is left alone: it is not ours to change.
import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, openSync, readSync } from 'node:fs';
import { BLOCK_SHB, BYTE_ORDER_MAGIC, MAX_SNAPLEN, PCAP_HEADER_LENGTH, PCAP_MAGIC_NS, PCAP_MAGIC_US, PCAP_RECORD_HEADER } from './formats.js';

/** What mending found: a whole file, a cut record removed, or a file left as it is and why. */
export type Mend = { kind: 'whole' } | { kind: 'cut'; removed: number; size: number } | { kind: 'left'; why: string };

/** How much of the file is read at once while walking its records. */
const WINDOW = 1 << 20;

/** Reads a file forward through a window, so a walk over millions of records takes few reads. */
class Window {
  private buf = Buffer.alloc(0);
  private start = 0;
  constructor(private readonly fd: number, readonly size: number) {}

  /** The `n` bytes at `pos` (the caller checked they are in the file). */
  at(pos: number, n: number): Buffer {
    if (pos < this.start || pos + n > this.start + this.buf.length) {
      const len = Math.min(Math.max(WINDOW, n), this.size - pos);
      const b = Buffer.alloc(len);
      for (let got = 0; got < len; ) {
        const r = readSync(this.fd, b, got, len - got, pos + got);
        if (r === 0) throw new Error(`the file shrank while it was read (at byte ${pos + got})`);
        got += r;
      }
      this.buf = b;
      this.start = pos;
    }
    return this.buf.subarray(pos - this.start, pos - this.start + n);
  }
}

/**
 * The end of the last whole record of a capture file of `size` bytes, or why the file is not one
 * vnet could have written. Anything after that end is the start of a record cut short.
 */
function wholeRecordsEnd(w: Window): { end: number } | { why: string } {
  if (w.size < 4) return { why: `${w.size} bytes is too short for a capture file header` };
  const magic = w.at(0, 4).readUInt32LE(0);
  if (magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS) {
    if (w.size < PCAP_HEADER_LENGTH) return { why: 'its pcap header is incomplete' };
    let o = PCAP_HEADER_LENGTH;
    while (o + PCAP_RECORD_HEADER <= w.size) {
      const caplen = w.at(o, PCAP_RECORD_HEADER).readUInt32LE(8);
      if (caplen > MAX_SNAPLEN) return { why: `the record at byte ${o} says ${caplen} bytes, more than any capture holds (${MAX_SNAPLEN})` };
      if (o + PCAP_RECORD_HEADER + caplen > w.size) break;
      o += PCAP_RECORD_HEADER + caplen;
    }
    return { end: o };
  }
  if (magic !== BLOCK_SHB) return { why: `it starts with 0x${magic.toString(16).padStart(8, '0')}, neither pcap nor pcapng` };
  if (w.size < 12 || w.at(8, 4).readUInt32LE(0) !== BYTE_ORDER_MAGIC) return { why: 'it is not a little-endian pcapng section' };
  let o = 0;
  while (o + 8 <= w.size) {
    const total = w.at(o, 8).readUInt32LE(4);
    if (total < 12 || total % 4 !== 0) return { why: `the block at byte ${o} has length ${total}` };
    if (o + total > w.size) break;
    const trailing = w.at(o + total - 4, 4).readUInt32LE(0);
    if (trailing !== total) return { why: `the block at byte ${o} ends with length ${trailing}, not ${total}` };
    o += total;
  }
  return { end: o };
}

/**
 * Cuts a capture file back to its last whole record. Only a regular file of ours (same uid), reached
 * without following a symlink, is changed.
 */
export function mendCaptureFile(path: string): Mend {
  const link = lstatSync(path);
  if (!link.isFile()) return { kind: 'left', why: 'it is no longer a regular file' };
  const fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    const me = typeof process.getuid === 'function' ? process.getuid() : st.uid;
    if (!st.isFile() || st.uid !== me) return { kind: 'left', why: `it now belongs to uid ${st.uid}` };
    const found = wholeRecordsEnd(new Window(fd, st.size));
    if ('why' in found) return { kind: 'left', why: found.why };
    if (found.end === st.size) return { kind: 'whole' };
    ftruncateSync(fd, found.end);
    return { kind: 'cut', removed: st.size - found.end, size: found.end };
  } finally {
    closeSync(fd);
  }
}
