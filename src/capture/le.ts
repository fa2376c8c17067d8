// Little-endian field writes and reads for the capture formats (we write LE files), and engine
// time → capture timestamps without losing nanoseconds (origin·10⁹ + ns exceeds 2^53).

export function putLe16(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
}

export function putLe32(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

export function getLe16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

export function getLe32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

const NS_PER_S = 1_000_000_000;
const TWO_32 = 0x1_0000_0000;

/** Whole seconds since 1970 of engine time `ns` on a clock whose origin is `originS` (unix seconds). */
export function unixSeconds(originS: number, ns: number): number {
  return originS + Math.floor(ns / NS_PER_S);
}

/** The nanoseconds within the second of engine time `ns` (0..999,999,999). */
export function subsecondNs(ns: number): number {
  return ns % NS_PER_S;
}

/**
 * Writes the 64-bit count of nanoseconds since 1970 (`originS`·10⁹ + `ns`) as pcapng's two LE
 * 32-bit halves, high first, at buf[o..o+8]. Exact for any origin below 2^32 s: the product is
 * assembled from 16-bit halves so no double ever exceeds 2^53.
 */
export function putPcapngTimestampNs(buf: Uint8Array, o: number, originS: number, ns: number): void {
  // Packets come in bursts at one engine time: the last conversion is kept.
  if (ns !== lastNs || originS !== lastOrigin) {
    const secs = unixSeconds(originS, ns);
    const sub = subsecondNs(ns);
    const lowPart = (secs % 0x10000) * NS_PER_S + sub; // < 2^46 + 2^30
    const highPart = Math.floor(secs / 0x10000) * NS_PER_S; // times 2^16
    const low = lowPart + (highPart % 0x10000) * 0x10000; // < 2^47
    lastHigh = Math.floor(highPart / 0x10000) + Math.floor(low / TWO_32);
    lastLow = low % TWO_32;
    lastNs = ns;
    lastOrigin = originS;
  }
  putLe32(buf, o, lastHigh);
  putLe32(buf, o + 4, lastLow);
}

let lastNs = -1;
let lastOrigin = -1;
let lastHigh = 0;
let lastLow = 0;

/** Reads pcapng's high/low halves back as a BigInt count of units. */
export function readTimestamp64(buf: Uint8Array, o: number): bigint {
  return (BigInt(getLe32(buf, o)) << 32n) | BigInt(getLe32(buf, o + 4));
}
