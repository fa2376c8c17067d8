// ICMP messages a node originates: errors about a packet it could not deliver
// (with the offending packet quoted, RFC 1812 §4.3.2.3) and echo replies.
import { isMulticast, type Ipv4 } from '../wire/addr.js';
import { encodePacket } from '../wire/codec.js';
import {
  ICMP_ECHO_REPLY, isIcmpError, makeIcmp, PROTO_ICMP, type Packet,
} from '../wire/packet.js';

/** Quote at most this many bytes of the offending packet, so the error fits in 576 bytes (RFC 1812 §4.3.2.3). */
export const MAX_QUOTE = 576 - 20 - 8;

/**
 * Builds an ICMP error about `offending`, or null where RFC 1122/1812 forbid one:
 * about another ICMP error or a non-first fragment, to or from a multicast or broadcast address, or from 0.0.0.0.
 * `rest` fills the second half of the rest-of-header (the next-hop MTU for "fragmentation needed").
 */
export function icmpError(offending: Packet, from: Ipv4, type: number, code: number, rest = 0): Packet | null {
  // Nor about a fragment other than the first (RFC 1122 §3.2.2): it has no transport header to quote.
  if (offending.frag && (offending.frag & 0x1fff) !== 0) return null;
  if (offending.proto === PROTO_ICMP && isIcmpError(offending.icmpType)) return null;
  const { src, dst } = offending;
  if (src === 0 || isMulticast(src) || src === 0xffffffff || isMulticast(dst) || dst === 0xffffffff) return null;
  const bytes = encodePacket(offending);
  const quoted = bytes.length > MAX_QUOTE ? bytes.subarray(0, MAX_QUOTE) : bytes;
  return makeIcmp(from, src, type, code, 0, rest, quoted);
}

/** The echo reply to an echo request: same id, sequence and data, addresses swapped. */
export function echoReply(request: Packet, from: Ipv4): Packet {
  return makeIcmp(from, request.src, ICMP_ECHO_REPLY, 0, request.icmpId, request.icmpSeq, request.payload);
}
