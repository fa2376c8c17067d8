// The packet an ICMP error quotes: reading its addresses and ports, and rewriting them for NAT (RFC 5508 §4.2).
import type { Ipv4 } from './addr.js';
import { checksumAdjust, checksumAdjust32 } from './checksum.js';
import { WireError } from './errors.js';
import { ICMP_OFF_CHECKSUM, ICMP_OFF_ID, ICMP_OFF_TYPE } from './icmp.js';
import { IPV4_OFF_CHECKSUM, IPV4_OFF_DST, IPV4_OFF_PROTOCOL, IPV4_OFF_SRC } from './ipv4.js';
import { isIcmpError, PROTO_ICMP, PROTO_TCP, PROTO_UDP } from './packet.js';
import { TCP_OFF_CHECKSUM } from './tcp.js';
import { UDP_OFF_CHECKSUM } from './udp.js';
import { get16, get32, put16, put32 } from './bytes.js';

/*
 * A quoted packet (RFC 792, RFC 1812 §4.3.2.3) is the original IPv4 header, options included, then
 * at least the first 8 bytes of its payload: enough for UDP/TCP ports (and the UDP checksum) or an
 * ICMP query's type, code, checksum and identifier. The TCP checksum (offset 16) is often cut off.
 * The quoted total-length field is the ORIGINAL length, not the quote's, so it is not checked.
 */

/** Fewest bytes that hold an IPv4 header without options and 8 bytes of its payload. */
export const MIN_QUOTED_LENGTH = 28;

/** Addresses and ports of a quoted packet. `icmpId` only for a quoted ICMP query (e.g. echo). */
export interface QuotedHeaders {
  src: Ipv4;
  dst: Ipv4;
  proto: number;
  /** UDP/TCP ports; 0 for other protocols. */
  srcPort: number;
  dstPort: number;
  icmpId?: number;
}

/** What to rewrite in a quoted packet. For a quoted ICMP query, srcPort and dstPort both mean its identifier. */
export interface QuotedChange {
  src?: Ipv4;
  srcPort?: number;
  dst?: Ipv4;
  dstPort?: number;
}

/** Why `q` cannot be read as a quoted IPv4 packet, or null when it can. */
function problem(q: Uint8Array): string | null {
  if (q.length < MIN_QUOTED_LENGTH) return `quoted: truncated (${q.length} < ${MIN_QUOTED_LENGTH} bytes)`;
  const version = q[0] >>> 4;
  if (version !== 4) return `quoted: version ${version}, want 4`;
  const ihl = q[0] & 0x0f;
  if (ihl < 5) return `quoted: IHL ${ihl} below minimum 5`;
  if (q.length < ihl * 4 + 8) return `quoted: truncated (${q.length} < ${ihl * 4 + 8} bytes)`;
  return null;
}





/** Reads a quoted packet's addresses and ports; null when it is shorter than its header + 8 bytes or not IPv4. */
export function readQuoted(quoted: Uint8Array): QuotedHeaders | null {
  if (problem(quoted) !== null) return null;
  const h = (quoted[0] & 0x0f) * 4;
  const proto = quoted[IPV4_OFF_PROTOCOL];
  const r: QuotedHeaders = {
    src: get32(quoted, IPV4_OFF_SRC), dst: get32(quoted, IPV4_OFF_DST), proto, srcPort: 0, dstPort: 0,
  };
  if (proto === PROTO_UDP || proto === PROTO_TCP) {
    r.srcPort = get16(quoted, h);
    r.dstPort = get16(quoted, h + 2);
  } else if (proto === PROTO_ICMP && !isIcmpError(quoted[h + ICMP_OFF_TYPE])) {
    r.icmpId = get16(quoted, h + ICMP_OFF_ID);
  }
  return r;
}

/**
 * A copy of `quoted` (never mutated) with the quoted addresses and UDP/TCP ports (or ICMP query
 * identifier) replaced, the quoted IPv4 header checksum and the quoted UDP/TCP/ICMP checksum updated
 * incrementally (RFC 1624) where present: a UDP checksum of 0 (none) stays 0, a TCP checksum cut off
 * by the quote, wholly or in half, is left alone. If both srcPort and dstPort are given for an ICMP query, dstPort wins.
 * Throws WireError when the bytes are not a quoted IPv4 packet (see readQuoted).
 */
export function rewriteQuoted(quoted: Uint8Array, change: QuotedChange): Uint8Array {
  const why = problem(quoted);
  if (why !== null) throw new WireError(why);
  const q = quoted.slice();
  const h = (q[0] & 0x0f) * 4;
  const proto = q[IPV4_OFF_PROTOCOL];
  let ipSum = get16(q, IPV4_OFF_CHECKSUM);

  // Where the quoted transport checksum sits (it covers addresses through the pseudo-header), or -1.
  let l4At = -1;
  if (proto === PROTO_UDP) {
    if (get16(q, h + UDP_OFF_CHECKSUM) !== 0) l4At = h + UDP_OFF_CHECKSUM;
  } else if (proto === PROTO_TCP) {
    if (q.length >= h + TCP_OFF_CHECKSUM + 2) l4At = h + TCP_OFF_CHECKSUM;
  }
  let l4Sum = l4At >= 0 ? get16(q, l4At) : 0;

  if (change.src !== undefined) {
    const old = get32(q, IPV4_OFF_SRC);
    ipSum = checksumAdjust32(ipSum, old, change.src);
    if (l4At >= 0) l4Sum = checksumAdjust32(l4Sum, old, change.src);
    put32(q, IPV4_OFF_SRC, change.src);
  }
  if (change.dst !== undefined) {
    const old = get32(q, IPV4_OFF_DST);
    ipSum = checksumAdjust32(ipSum, old, change.dst);
    if (l4At >= 0) l4Sum = checksumAdjust32(l4Sum, old, change.dst);
    put32(q, IPV4_OFF_DST, change.dst);
  }
  put16(q, IPV4_OFF_CHECKSUM, ipSum);

  if (proto === PROTO_UDP || proto === PROTO_TCP) {
    if (change.srcPort !== undefined) {
      if (l4At >= 0) l4Sum = checksumAdjust(l4Sum, get16(q, h), change.srcPort);
      put16(q, h, change.srcPort);
    }
    if (change.dstPort !== undefined) {
      if (l4At >= 0) l4Sum = checksumAdjust(l4Sum, get16(q, h + 2), change.dstPort);
      put16(q, h + 2, change.dstPort);
    }
    // A UDP checksum that comes out 0 is sent as 0xffff: 0 would mean "none".
    if (l4At >= 0) put16(q, l4At, proto === PROTO_UDP && l4Sum === 0 ? 0xffff : l4Sum);
  } else if (proto === PROTO_ICMP && !isIcmpError(q[h + ICMP_OFF_TYPE])) {
    for (const id of [change.srcPort, change.dstPort]) {
      if (id === undefined) continue;
      const sum = checksumAdjust(get16(q, h + ICMP_OFF_CHECKSUM), get16(q, h + ICMP_OFF_ID), id);
      put16(q, h + ICMP_OFF_ID, id);
      put16(q, h + ICMP_OFF_CHECKSUM, sum);
    }
  }
  return q;
}
