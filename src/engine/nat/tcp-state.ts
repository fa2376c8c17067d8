// TCP connection tracking for the NAT (RFC 5382): which phase a mapping's connection is in, from the
// SYN, FIN and RST flags seen each way, and so which idle timeout applies (REQ-5).
import { TCP_FIN, TCP_RST, TCP_SYN } from '../../wire/tcp.js';

/** What `nat show` prints: Linux conntrack's state names, lower-case. 'listen': an explicit mapping no segment crossed yet. */
export type TcpState = 'listen' | 'syn-sent' | 'syn-received' | 'established' | 'fin-wait' | 'time-wait' | 'closed';

/** Flags seen so far, one bit per (flag, direction). */
export const SYN_OUT = 1;
export const SYN_IN = 2;
export const FIN_OUT = 4;
export const FIN_IN = 8;
export const RST_SEEN = 16;
const SYN_BOTH = SYN_OUT | SYN_IN;
const FIN_BOTH = FIN_OUT | FIN_IN;

/** Which idle timeout a state takes: RFC 5382 REQ-5's two classes. */
export const TRANSITORY = 1;
export const ESTABLISHED = 2;

/** The TCP flags of a segment whose bytes after the ports are `rest` (a Packet's TCP payload); 0 if too short. */
export function tcpFlagsOf(rest: Uint8Array): number {
  return rest.length > 9 ? rest[9] : 0;
}

/**
 * The state bits of a mapping created by this segment. A SYN opens (REQ-2: either side may, simultaneous
 * open included); any other first segment is a connection already open, picked up mid-stream as Linux does
 * (nf_conntrack_tcp_loose=1: ESTABLISHED); a lone RST opens nothing and is closed at once.
 */
export function tcpOpened(flags: number, outbound: boolean): number {
  if (flags & TCP_SYN) return outbound ? SYN_OUT : SYN_IN;
  if (flags & TCP_RST) return RST_SEEN;
  return SYN_BOTH;
}

/** The state bits after a segment crosses. A SYN after the connection ended starts a new one on the same mapping. */
export function tcpAfter(bits: number, flags: number, outbound: boolean): number {
  if (flags & TCP_SYN) {
    if ((bits & RST_SEEN) !== 0 || (bits & FIN_BOTH) === FIN_BOTH) bits = 0;
    bits |= outbound ? SYN_OUT : SYN_IN;
  }
  if (flags & TCP_FIN) bits |= outbound ? FIN_OUT : FIN_IN;
  if (flags & TCP_RST) bits |= RST_SEEN;
  return bits;
}

export function tcpStateName(bits: number): TcpState {
  if (bits & RST_SEEN) return 'closed';
  if ((bits & FIN_BOTH) === FIN_BOTH) return 'time-wait';
  if ((bits & SYN_BOTH) === SYN_BOTH) return bits & FIN_BOTH ? 'fin-wait' : 'established';
  if (bits & SYN_OUT) return 'syn-sent';
  if (bits & SYN_IN) return 'syn-received';
  return 'listen';
}

/**
 * RFC 5382 REQ-5: SYN seen both ways, no RST and not FIN both ways is established (a half-closed
 * connection may still carry data for hours, so one FIN keeps it); anything else is transitory.
 */
export function tcpTimerClass(bits: number): number {
  return (bits & SYN_BOTH) === SYN_BOTH && (bits & RST_SEEN) === 0 && (bits & FIN_BOTH) !== FIN_BOTH ? ESTABLISHED : TRANSITORY;
}
