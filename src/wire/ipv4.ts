// A view over the bytes of an IPv4 packet: header fields by name, validation of untrusted input.
import { formatIpv4, type Ipv4 } from './addr.js';
import { checksumExcluding, internetChecksum } from './checksum.js';
import { WireError } from './errors.js';

/*
 * IPv4 header (RFC 791 §3.1):
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |    DSCP/ECN   |          Total Length         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Identification        |0|D|M|      Fragment Offset    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Source Address                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Destination Address                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options (0-40 bytes)                       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
export const IPV4_OFF_VER_IHL = 0;
export const IPV4_OFF_TOS = 1;
export const IPV4_OFF_TOTAL_LENGTH = 2;
export const IPV4_OFF_ID = 4;
export const IPV4_OFF_FLAGS_FRAG = 6;
export const IPV4_OFF_TTL = 8;
export const IPV4_OFF_PROTOCOL = 9;
export const IPV4_OFF_CHECKSUM = 10;
export const IPV4_OFF_SRC = 12;
export const IPV4_OFF_DST = 16;
export const IPV4_OFF_OPTIONS = 20;
/** Header length without options, and with the most options (IHL 15). */
export const IPV4_MIN_HEADER = 20;
export const IPV4_MAX_HEADER = 60;
export const IPV4_FLAG_DF = 0x4000;
export const IPV4_FLAG_MF = 0x2000;

export class Ipv4View {
  /** The packet's bytes, from the version byte to the end of the packet. */
  readonly bytes: Uint8Array;

  /** Wraps bytes without checking them; use `checked` for untrusted input. */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /**
   * Validates an IPv4 packet: at least 20 bytes, version 4, IHL ≥ 5, header within the total length,
   * total length within the buffer. Bytes beyond the total length (link padding) are left out of the view.
   */
  static checked(bytes: Uint8Array): Ipv4View {
    if (bytes.length < IPV4_MIN_HEADER) throw new WireError(`ipv4: truncated (${bytes.length} < ${IPV4_MIN_HEADER} bytes)`);
    const version = bytes[0] >>> 4;
    if (version !== 4) throw new WireError(`ipv4: version ${version}, want 4`);
    const ihl = bytes[0] & 0x0f;
    if (ihl < 5) throw new WireError(`ipv4: IHL ${ihl} below minimum 5`);
    const total = (bytes[IPV4_OFF_TOTAL_LENGTH] << 8) | bytes[IPV4_OFF_TOTAL_LENGTH + 1];
    if (total > bytes.length) throw new WireError(`ipv4: total length ${total} exceeds buffer length ${bytes.length}`);
    if (ihl * 4 > total) throw new WireError(`ipv4: header length ${ihl * 4} exceeds packet length ${total}`);
    return new Ipv4View(total === bytes.length ? bytes : bytes.subarray(0, total));
  }

  get version(): number {
    return this.bytes[IPV4_OFF_VER_IHL] >>> 4;
  }

  /** Header length in 32-bit words (5-15). */
  get ihl(): number {
    return this.bytes[IPV4_OFF_VER_IHL] & 0x0f;
  }

  /** Header length in bytes, options included. */
  get headerLength(): number {
    return (this.bytes[IPV4_OFF_VER_IHL] & 0x0f) * 4;
  }

  /** DSCP and ECN byte. */
  get tos(): number {
    return this.bytes[IPV4_OFF_TOS];
  }

  set tos(v: number) {
    this.bytes[IPV4_OFF_TOS] = v;
  }

  get totalLength(): number {
    return this.u16(IPV4_OFF_TOTAL_LENGTH);
  }

  get id(): number {
    return this.u16(IPV4_OFF_ID);
  }

  set id(v: number) {
    this.set16(IPV4_OFF_ID, v);
  }

  /** The 3 flag bits (reserved, DF, MF) as the top bits of a 16-bit word: 0x4000 DF, 0x2000 MF. */
  get flags(): number {
    return this.u16(IPV4_OFF_FLAGS_FRAG) & 0xe000;
  }

  get df(): boolean {
    return (this.bytes[IPV4_OFF_FLAGS_FRAG] & 0x40) !== 0;
  }

  get mf(): boolean {
    return (this.bytes[IPV4_OFF_FLAGS_FRAG] & 0x20) !== 0;
  }

  /** Fragment offset in bytes (the field counts 8-byte units). */
  get fragmentOffset(): number {
    return (this.u16(IPV4_OFF_FLAGS_FRAG) & 0x1fff) * 8;
  }

  get ttl(): number {
    return this.bytes[IPV4_OFF_TTL];
  }

  set ttl(v: number) {
    this.bytes[IPV4_OFF_TTL] = v;
  }

  get protocol(): number {
    return this.bytes[IPV4_OFF_PROTOCOL];
  }

  get checksum(): number {
    return this.u16(IPV4_OFF_CHECKSUM);
  }

  set checksum(v: number) {
    this.set16(IPV4_OFF_CHECKSUM, v);
  }

  get src(): Ipv4 {
    return this.u32(IPV4_OFF_SRC);
  }

  set src(v: Ipv4) {
    this.set32(IPV4_OFF_SRC, v);
  }

  get dst(): Ipv4 {
    return this.u32(IPV4_OFF_DST);
  }

  set dst(v: Ipv4) {
    this.set32(IPV4_OFF_DST, v);
  }

  /** The options bytes (empty when IHL is 5); shares memory with the packet. */
  get options(): Uint8Array {
    return this.bytes.subarray(IPV4_OFF_OPTIONS, this.headerLength);
  }

  /** The bytes after the header up to the total length; shares memory with the packet. */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLength, this.totalLength);
  }

  /** The header checksum the header should carry (computed with the checksum field taken as zero). */
  computeChecksum(): number {
    return checksumExcluding(this.bytes, 0, this.headerLength, IPV4_OFF_CHECKSUM);
  }

  /** True when the header checksum is correct. */
  verifyChecksum(): boolean {
    return internetChecksum(this.bytes, 0, this.headerLength) === 0;
  }

  /** Recomputes and stores the header checksum. */
  updateChecksum(): void {
    this.checksum = this.computeChecksum();
  }

  toString(): string {
    const frag = this.mf || this.fragmentOffset !== 0 ? ` frag=${this.fragmentOffset}${this.mf ? '+' : ''}` : '';
    return `IPv4 ${formatIpv4(this.src)} → ${formatIpv4(this.dst)} proto=${this.protocol} ttl=${this.ttl} len=${this.totalLength}${this.df ? ' DF' : ''}${frag}`;
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

  private set32(o: number, v: number): void {
    const b = this.bytes;
    b[o] = v >>> 24;
    b[o + 1] = v >>> 16;
    b[o + 2] = v >>> 8;
    b[o + 3] = v;
  }
}
