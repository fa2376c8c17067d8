// A view over the bytes of an ICMPv4 message: type, code, checksum, rest-of-header and body, with validation.
import { checksumExcluding, internetChecksum } from './checksum.js';
import { WireError } from './errors.js';

/*
 * ICMP message (RFC 792):
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   Identifier (rest of hdr)    |  Sequence Number (rest of hdr)|
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  body: echo data, or the quoted IP header + ≥ 8 bytes of it   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Bytes 4-7 are identifier and sequence for queries (echo), unused for most errors, and
 * 0 | next-hop MTU for "fragmentation needed" (RFC 1191). The checksum covers the whole message.
 */
export const ICMP_OFF_TYPE = 0;
export const ICMP_OFF_CODE = 1;
export const ICMP_OFF_CHECKSUM = 2;
export const ICMP_OFF_ID = 4;
export const ICMP_OFF_SEQ = 6;
export const ICMP_OFF_BODY = 8;
export const ICMP_HEADER_LENGTH = 8;

const TYPE_NAMES: Record<number, string> = {
  0: 'echo-reply', 3: 'unreachable', 4: 'source-quench', 5: 'redirect', 8: 'echo-request',
  11: 'time-exceeded', 12: 'parameter-problem', 13: 'timestamp', 14: 'timestamp-reply',
};

export class IcmpView {
  /** The message's bytes, type first. */
  readonly bytes: Uint8Array;

  /** Wraps bytes without checking them; use `checked` for untrusted input. */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** Validates an ICMP message (an IPv4 payload): at least the 8-byte header. */
  static checked(bytes: Uint8Array): IcmpView {
    if (bytes.length < ICMP_HEADER_LENGTH) throw new WireError(`icmp: truncated (${bytes.length} < ${ICMP_HEADER_LENGTH} bytes)`);
    return new IcmpView(bytes);
  }

  get type(): number {
    return this.bytes[ICMP_OFF_TYPE];
  }

  get code(): number {
    return this.bytes[ICMP_OFF_CODE];
  }

  get checksum(): number {
    return this.u16(ICMP_OFF_CHECKSUM);
  }

  set checksum(v: number) {
    this.set16(ICMP_OFF_CHECKSUM, v);
  }

  /** Bytes 4-5: the query identifier (first half of the rest-of-header for other types). */
  get id(): number {
    return this.u16(ICMP_OFF_ID);
  }

  set id(v: number) {
    this.set16(ICMP_OFF_ID, v);
  }

  /** Bytes 6-7: the query sequence number (the next-hop MTU of "fragmentation needed"). */
  get seq(): number {
    return this.u16(ICMP_OFF_SEQ);
  }

  set seq(v: number) {
    this.set16(ICMP_OFF_SEQ, v);
  }

  /** The bytes after the 8-byte header; shares memory with the message. */
  get body(): Uint8Array {
    return this.bytes.subarray(ICMP_OFF_BODY);
  }

  /** For an error message: the quoted offending packet (IPv4 header + ≥ 8 bytes of its payload), i.e. the body. */
  quotedPacket(): Uint8Array {
    return this.bytes.subarray(ICMP_OFF_BODY);
  }

  /** The checksum the message should carry. */
  computeChecksum(): number {
    return checksumExcluding(this.bytes, 0, this.bytes.length, ICMP_OFF_CHECKSUM);
  }

  verifyChecksum(): boolean {
    return internetChecksum(this.bytes) === 0;
  }

  toString(): string {
    const name = TYPE_NAMES[this.type] ?? `type=${this.type}`;
    return `ICMP ${name} code=${this.code} id=${this.id} seq=${this.seq} len=${this.bytes.length}`;
  }

  private u16(o: number): number {
    return (this.bytes[o] << 8) | this.bytes[o + 1];
  }

  private set16(o: number, v: number): void {
    this.bytes[o] = v >>> 8;
    this.bytes[o + 1] = v;
  }
}
