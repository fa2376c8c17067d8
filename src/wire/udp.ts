// A view over the bytes of a UDP datagram: ports, length, checksum and data, with validation.
import type { Ipv4 } from './addr.js';
import { checksumExcluding, internetChecksum, pseudoHeaderSum } from './checksum.js';
import { WireError } from './errors.js';
import { PROTO_UDP } from './packet.js';

/*
 * UDP header (RFC 768):
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            Length             |           Checksum            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                          data ...                             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The checksum covers the pseudo-header `src | dst | 0 | 17 | length`, the header and the data;
 * 0 means "no checksum" (IPv4), so a computed 0 is sent as 0xffff.
 */
export const UDP_OFF_SRC_PORT = 0;
export const UDP_OFF_DST_PORT = 2;
export const UDP_OFF_LENGTH = 4;
export const UDP_OFF_CHECKSUM = 6;
export const UDP_HEADER_LENGTH = 8;

export class UdpView {
  /** The datagram's bytes, header first. */
  readonly bytes: Uint8Array;

  /** Wraps bytes without checking them; use `checked` for untrusted input. */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /**
   * Validates a UDP datagram (an IPv4 payload): at least 8 bytes, length field between 8 and the
   * bytes available. Bytes beyond the length field are left out of the view.
   */
  static checked(bytes: Uint8Array): UdpView {
    if (bytes.length < UDP_HEADER_LENGTH) throw new WireError(`udp: truncated (${bytes.length} < ${UDP_HEADER_LENGTH} bytes)`);
    const len = (bytes[UDP_OFF_LENGTH] << 8) | bytes[UDP_OFF_LENGTH + 1];
    if (len < UDP_HEADER_LENGTH) throw new WireError(`udp: length ${len} below header length ${UDP_HEADER_LENGTH}`);
    if (len > bytes.length) throw new WireError(`udp: length ${len} exceeds the ${bytes.length} bytes available`);
    return new UdpView(len === bytes.length ? bytes : bytes.subarray(0, len));
  }

  get srcPort(): number {
    return this.u16(UDP_OFF_SRC_PORT);
  }

  set srcPort(v: number) {
    this.set16(UDP_OFF_SRC_PORT, v);
  }

  get dstPort(): number {
    return this.u16(UDP_OFF_DST_PORT);
  }

  set dstPort(v: number) {
    this.set16(UDP_OFF_DST_PORT, v);
  }

  /** Header plus data, in bytes. */
  get length(): number {
    return this.u16(UDP_OFF_LENGTH);
  }

  get checksum(): number {
    return this.u16(UDP_OFF_CHECKSUM);
  }

  set checksum(v: number) {
    this.set16(UDP_OFF_CHECKSUM, v);
  }

  /** The data after the header, up to the length field; shares memory with the datagram. */
  get data(): Uint8Array {
    return this.bytes.subarray(UDP_HEADER_LENGTH, this.length);
  }

  /** The checksum the datagram should carry between `src` and `dst` (never 0: a computed 0 is 0xffff). */
  computeChecksum(src: Ipv4, dst: Ipv4): number {
    const len = this.length;
    return checksumExcluding(this.bytes, 0, len, UDP_OFF_CHECKSUM, pseudoHeaderSum(src, dst, PROTO_UDP, len)) || 0xffff;
  }

  /** True when the checksum is absent (0) or correct for a datagram between `src` and `dst`. */
  verifyChecksum(src: Ipv4, dst: Ipv4): boolean {
    if (this.checksum === 0) return true;
    return internetChecksum(this.bytes, 0, this.length, pseudoHeaderSum(src, dst, PROTO_UDP, this.length)) === 0;
  }

  toString(): string {
    return `UDP ${this.srcPort} → ${this.dstPort} len=${this.length}`;
  }

  private u16(o: number): number {
    return (this.bytes[o] << 8) | this.bytes[o + 1];
  }

  private set16(o: number, v: number): void {
    this.bytes[o] = v >>> 8;
    this.bytes[o + 1] = v;
  }
}
