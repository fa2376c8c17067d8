// The parsed form of an IPv4 packet that the engine forwards (a "repr" in
// smoltcp's terms). Routers rewrite its fields in place; bytes are made only
// for captures, bridging and checksums (see codec.ts).
import type { Ipv4 } from './addr.js';

export const PROTO_ICMP = 1;
export const PROTO_IGMP = 2;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACHABLE = 3;
/** RFC 792 redirect; code 1 redirects datagrams for one host. */
export const ICMP_REDIRECT = 5;
export const REDIRECT_HOST = 1;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;

/** ICMP destination-unreachable codes (RFC 792, RFC 1812). */
export const UNREACH_NET = 0;
export const UNREACH_HOST = 1;
export const UNREACH_PROTOCOL = 2;
export const UNREACH_PORT = 3;
export const UNREACH_FRAG_NEEDED = 4;
export const UNREACH_ADMIN_PROHIBITED = 13;

export interface Packet {
  src: Ipv4;
  dst: Ipv4;
  /** IP protocol number: 1 ICMP, 6 TCP, 17 UDP, anything else is carried opaquely. */
  proto: number;
  ttl: number;
  /** DSCP and ECN byte. */
  tos: number;
  /** IPv4 identification. */
  id: number;
  /** Don't Fragment flag. */
  df: boolean;
  /**
   * Fragment word without DF: 0x2000 More Fragments | offset in 8-byte units (RFC 791); 0 (or absent in
   * packets made outside the engine) for a whole datagram. A fragment's `payload` is its raw IP payload
   * (the first one starts with the transport header); its transport fields below are read from that
   * header for the first fragment (filters and texts use them) and 0 for later ones, and are never written.
   */
  frag?: number;
  /** IPv4 options, a multiple of 4 bytes (at most 40), or null. */
  options: Uint8Array | null;
  /** UDP/TCP ports; 0 for other protocols. */
  srcPort: number;
  dstPort: number;
  /** ICMP header fields (0 for other protocols). For echo: id and sequence; for errors: rest-of-header halves (e.g. next-hop MTU in icmpSeq). */
  icmpType: number;
  icmpCode: number;
  icmpId: number;
  icmpSeq: number;
  /**
   * What follows the transport fields above:
   * UDP: the datagram's data. TCP: the segment from the sequence number on (header after the ports, then data).
   * ICMP: the bytes after the 8-byte ICMP header (echo data, or the quoted packet of an error).
   * Other protocols: the whole IP payload.
   */
  payload: Uint8Array;
}

export function makeUdp(src: Ipv4, srcPort: number, dst: Ipv4, dstPort: number, data: Uint8Array, ttl = 64): Packet {
  return {
    src, dst, proto: PROTO_UDP, ttl, tos: 0, id: 0, df: false, frag: 0, options: null,
    srcPort, dstPort, icmpType: 0, icmpCode: 0, icmpId: 0, icmpSeq: 0, payload: data,
  };
}

export function makeIcmp(src: Ipv4, dst: Ipv4, type: number, code: number, id: number, seq: number, body: Uint8Array, ttl = 64): Packet {
  return {
    src, dst, proto: PROTO_ICMP, ttl, tos: 0, id: 0, df: false, frag: 0, options: null,
    srcPort: 0, dstPort: 0, icmpType: type, icmpCode: code, icmpId: id, icmpSeq: seq, payload: body,
  };
}

/** A shallow copy: fields are copied, payload bytes are shared (never mutate payload bytes in place). */
export function clonePacket(p: Packet): Packet {
  return {
    src: p.src, dst: p.dst, proto: p.proto, ttl: p.ttl, tos: p.tos, id: p.id, df: p.df, frag: p.frag ?? 0, options: p.options,
    srcPort: p.srcPort, dstPort: p.dstPort, icmpType: p.icmpType, icmpCode: p.icmpCode, icmpId: p.icmpId,
    icmpSeq: p.icmpSeq, payload: p.payload,
  };
}

/** Length of the transport header that precedes `payload` in the serialized packet. */
export function transportHeaderLength(proto: number): number {
  return proto === PROTO_UDP || proto === PROTO_ICMP ? 8 : proto === PROTO_TCP ? 4 : 0;
}

/** Total IPv4 length in bytes (header, options, transport header, payload). */
export function packetLength(p: Packet): number {
  return 20 + (p.options ? p.options.length : 0) + (p.frag ? 0 : transportHeaderLength(p.proto)) + p.payload.length;
}

/** The More Fragments bit of `Packet.frag`. */
export const FRAG_MF = 0x2000;

/** A fragment's offset in bytes within its datagram's IP payload. */
export function fragmentOffset(p: Packet): number {
  return ((p.frag ?? 0) & 0x1fff) * 8;
}

/** True when more fragments of the datagram follow this one. */
export function moreFragments(p: Packet): boolean {
  return ((p.frag ?? 0) & FRAG_MF) !== 0;
}

/**
 * Sets the transport fields of a fragment from its raw payload: the first fragment's UDP/TCP ports or ICMP
 * type, code, id and sequence (what it holds of them); 0 for later fragments.
 */
export function readFragmentFields(p: Packet): void {
  const b = p.payload;
  const first = ((p.frag ?? 0) & 0x1fff) === 0;
  const u16 = (o: number): number => (first && b.length >= o + 2 ? (b[o] << 8) | b[o + 1] : 0);
  p.srcPort = p.dstPort = p.icmpType = p.icmpCode = p.icmpId = p.icmpSeq = 0;
  if (p.proto === PROTO_UDP || p.proto === PROTO_TCP) {
    p.srcPort = u16(0);
    p.dstPort = u16(2);
  } else if (p.proto === PROTO_ICMP) {
    p.icmpType = first && b.length >= 1 ? b[0] : 0;
    p.icmpCode = first && b.length >= 2 ? b[1] : 0;
    p.icmpId = u16(4);
    p.icmpSeq = u16(6);
  }
}

/** True for ICMP messages that quote an offending packet (errors), false for queries like echo. */
export function isIcmpError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}
