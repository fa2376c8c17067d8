// A view over the bytes of a TCP segment: ports, sequence numbers, flags and options, with validation.
import type { Ipv4 } from './addr.js';
import { checksumExcluding, internetChecksum, pseudoHeaderSum } from './checksum.js';
import { WireError } from './errors.js';
import { PROTO_TCP } from './packet.js';

/*
 * TCP header (RFC 9293 §3.1):
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Sequence Number                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Acknowledgment Number                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Data |       |C|E|U|A|P|R|S|F|                               |
 *  | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *  |       |       |R|E|G|K|H|T|N|N|                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Checksum            |         Urgent Pointer        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options (0-40 bytes)                       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The checksum covers the pseudo-header `src | dst | 0 | 6 | segment length` and the whole segment.
 * In a `Packet`, `payload` starts at TCP_OFF_SEQ, so the checksum sits at payload offset 12.
 */
export const TCP_OFF_SRC_PORT = 0;
export const TCP_OFF_DST_PORT = 2;
export const TCP_OFF_SEQ = 4;
export const TCP_OFF_ACK = 8;
export const TCP_OFF_DATA_OFFSET = 12;
export const TCP_OFF_FLAGS = 13;
export const TCP_OFF_WINDOW = 14;
export const TCP_OFF_CHECKSUM = 16;
export const TCP_OFF_URGENT = 18;
export const TCP_OFF_OPTIONS = 20;
export const TCP_MIN_HEADER = 20;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;
const FLAG_NAMES: readonly [number, string][] = [
  [TCP_SYN, 'SYN'], [TCP_FIN, 'FIN'], [TCP_RST, 'RST'], [TCP_PSH, 'PSH'],
  [TCP_ACK, 'ACK'], [TCP_URG, 'URG'], [TCP_ECE, 'ECE'], [TCP_CWR, 'CWR'],
];

export class TcpView {
  /** The segment's bytes, header first. */
  readonly bytes: Uint8Array;

  /** Wraps bytes without checking them; use `checked` for untrusted input. */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** Validates a TCP segment (an IPv4 payload): at least 20 bytes, data offset ≥ 5 and within the segment. */
  static checked(bytes: Uint8Array): TcpView {
    if (bytes.length < TCP_MIN_HEADER) throw new WireError(`tcp: truncated (${bytes.length} < ${TCP_MIN_HEADER} bytes)`);
    const off = bytes[TCP_OFF_DATA_OFFSET] >>> 4;
    if (off < 5) throw new WireError(`tcp: data offset ${off} below minimum 5`);
    if (off * 4 > bytes.length) throw new WireError(`tcp: header length ${off * 4} exceeds segment length ${bytes.length}`);
    return new TcpView(bytes);
  }

  get srcPort(): number {
    return this.u16(TCP_OFF_SRC_PORT);
  }

  set srcPort(v: number) {
    this.set16(TCP_OFF_SRC_PORT, v);
  }

  get dstPort(): number {
    return this.u16(TCP_OFF_DST_PORT);
  }

  set dstPort(v: number) {
    this.set16(TCP_OFF_DST_PORT, v);
  }

  get seq(): number {
    return this.u32(TCP_OFF_SEQ);
  }

  /** The acknowledgment number (the ACK flag is `ack`). */
  get ackNumber(): number {
    return this.u32(TCP_OFF_ACK);
  }

  /** Header length in 32-bit words (5-15). */
  get dataOffset(): number {
    return this.bytes[TCP_OFF_DATA_OFFSET] >>> 4;
  }

  /** Header length in bytes, options included. */
  get headerLength(): number {
    return (this.bytes[TCP_OFF_DATA_OFFSET] >>> 4) * 4;
  }

  /** The flag byte: CWR ECE URG ACK PSH RST SYN FIN from high bit to low (TCP_SYN etc.). */
  get flags(): number {
    return this.bytes[TCP_OFF_FLAGS];
  }

  get fin(): boolean {
    return (this.bytes[TCP_OFF_FLAGS] & TCP_FIN) !== 0;
  }

  get syn(): boolean {
    return (this.bytes[TCP_OFF_FLAGS] & TCP_SYN) !== 0;
  }

  get rst(): boolean {
    return (this.bytes[TCP_OFF_FLAGS] & TCP_RST) !== 0;
  }

  get psh(): boolean {
    return (this.bytes[TCP_OFF_FLAGS] & TCP_PSH) !== 0;
  }

  get ack(): boolean {
    return (this.bytes[TCP_OFF_FLAGS] & TCP_ACK) !== 0;
  }

  get urg(): boolean {
    return (this.bytes[TCP_OFF_FLAGS] & TCP_URG) !== 0;
  }

  get window(): number {
    return this.u16(TCP_OFF_WINDOW);
  }

  get checksum(): number {
    return this.u16(TCP_OFF_CHECKSUM);
  }

  set checksum(v: number) {
    this.set16(TCP_OFF_CHECKSUM, v);
  }

  get urgent(): number {
    return this.u16(TCP_OFF_URGENT);
  }

  /** The options bytes (empty when the data offset is 5); shares memory with the segment. */
  get options(): Uint8Array {
    return this.bytes.subarray(TCP_OFF_OPTIONS, this.headerLength);
  }

  /** The data after the header; shares memory with the segment. */
  get data(): Uint8Array {
    return this.bytes.subarray(this.headerLength);
  }

  /** The checksum the segment should carry between `src` and `dst`. */
  computeChecksum(src: Ipv4, dst: Ipv4): number {
    const b = this.bytes;
    return checksumExcluding(b, 0, b.length, TCP_OFF_CHECKSUM, pseudoHeaderSum(src, dst, PROTO_TCP, b.length));
  }

  /** True when the checksum is correct for a segment between `src` and `dst`. */
  verifyChecksum(src: Ipv4, dst: Ipv4): boolean {
    const b = this.bytes;
    return internetChecksum(b, 0, b.length, pseudoHeaderSum(src, dst, PROTO_TCP, b.length)) === 0;
  }

  toString(): string {
    const names = FLAG_NAMES.filter(([bit]) => (this.flags & bit) !== 0).map(([, n]) => n).join(',');
    const ack = this.ack ? ` ack=${this.ackNumber}` : '';
    return `TCP ${this.srcPort} → ${this.dstPort} [${names}] seq=${this.seq}${ack} win=${this.window} len=${this.data.length}`;
  }

  private u16(o: number): number {
    return (this.bytes[o] << 8) | this.bytes[o + 1];
  }

  private u32(o: number): number {
    const b = this.bytes;
    return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }

  private set16(o: number, v: number): void {
    this.bytes[o] = v >>> 8;
    this.bytes[o + 1] = v;
  }
}
