// The internet checksum (RFC 1071) that IPv4, UDP, TCP and ICMP share, and its incremental update (RFC 1624).
import type { Ipv4 } from './addr.js';

/**
 * Folds a non-negative sum of 16-bit words to 16 bits with end-around carry
 * (`s = (s & 0xffff) + (s >> 16)` until it fits). Result in 0..0xffff; only an all-zero sum folds to 0.
 */
export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** Ranges at least this long are summed 32 bits at a time (below it, making the Uint32Array view costs more). */
const WIDE_MIN = 256;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The ones'-complement sum of bytes[start..end) read as big-endian 16-bit words, plus `initial`,
 * folded to 16 bits (not complemented). An odd final byte is summed as if padded with a zero byte,
 * so only the last range of a multi-range sum may have odd length.
 */
export function onesSum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  let i = start;
  let wide = 0;
  if (end - start >= WIDE_MIN && ((bytes.byteOffset + start) & 1) === 0) {
    // Long, even-aligned ranges: one 16-bit word by hand if needed to reach 4-byte alignment, then
    // 32-bit loads in host order, byte-swapped after folding (RFC 1071 §2(B): the sum is order-independent).
    if (((bytes.byteOffset + i) & 3) !== 0) {
      wide = (bytes[i] << 8) | bytes[i + 1];
      i += 2;
    }
    const words = (end - i) >>> 2;
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    let s = 0;
    for (let k = 0; k < words; k++) s += w[k];
    s = fold(s);
    wide += LITTLE_ENDIAN ? ((s & 0xff) << 8) | (s >>> 8) : s;
    i += words * 4;
  }
  // High and low bytes are summed apart so both accumulators stay small integers (no overflow below 8 MB).
  let hi = 0;
  let lo = 0;
  const end8 = i + ((end - i) & ~7);
  for (; i < end8; i += 8) {
    hi += bytes[i] + bytes[i + 2] + bytes[i + 4] + bytes[i + 6];
    lo += bytes[i + 1] + bytes[i + 3] + bytes[i + 5] + bytes[i + 7];
  }
  for (; i + 1 < end; i += 2) {
    hi += bytes[i];
    lo += bytes[i + 1];
  }
  if (i < end) hi += bytes[i];
  return fold(hi * 256 + lo + wide + initial);
}

/**
 * The internet checksum of bytes[start..end) (with `initial`, e.g. a pseudo-header sum, added in):
 * the complement of the folded sum. Zero the checksum field first when computing one to store.
 * Verifying a received range (checksum included) gives 0 when it is intact.
 */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  return ~onesSum(bytes, start, end, initial) & 0xffff;
}

/**
 * Unfolded sum of the 12-byte IPv4 pseudo-header `src | dst | 0 | proto | length` that UDP and TCP
 * checksums cover (RFC 768, RFC 793). Pass it as `initial` to onesSum/internetChecksum. Below 2^19.
 */
export function pseudoHeaderSum(src: Ipv4, dst: Ipv4, proto: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + (proto & 0xff) + (length & 0xffff);
}

/**
 * RFC 1624 eqn. 3: the checksum after one covered 16-bit word changes from `oldWord` to `newWord`,
 * `HC' = ~(~HC + ~m + m')`. Equals a full recompute whenever the old checksum was one (never 0xffff
 * for data that is not all zero). For UDP, map a resulting 0 to 0xffff yourself.
 */
export function checksumAdjust(oldChecksum: number, oldWord: number, newWord: number): number {
  let s = (~oldChecksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** checksumAdjust for a covered 32-bit value (an IPv4 address) changing from `oldValue` to `newValue`. */
export function checksumAdjust32(oldChecksum: number, oldValue: number, newValue: number): number {
  let s = (~oldChecksum & 0xffff) + (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff)
    + (newValue >>> 16) + (newValue & 0xffff);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/**
 * internetChecksum of bytes[start..end) with the 16-bit checksum field at `field` (an even distance
 * from `start`) read as zero: the value that field should hold, computed without writing to the bytes.
 */
export function checksumExcluding(bytes: Uint8Array, start: number, end: number, field: number, initial = 0): number {
  return internetChecksum(bytes, field + 2, end, onesSum(bytes, start, field, initial));
}
