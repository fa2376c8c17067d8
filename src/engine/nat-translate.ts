// Rewrites packets crossing a router's NAT: UDP/TCP ports, ICMP query ids,
// ICMP errors with the headers they quote, other protocols by address only;
// and hairpinning with the external source (RFC 4787 REQ-9).
import {
  isIcmpError, PROTO_ICMP, PROTO_TCP, PROTO_UDP, type Packet,
} from '../wire/packet.js';
import { readQuoted, rewriteQuoted } from '../wire/quoted.js';
import type { Interface } from './iface.js';
import type { NatConfig } from './nat/config.js';
import type { Nat } from './nat/index.js';
import type { NatMapping } from './nat/table.js';
import { tcpFlagsOf } from './nat/tcp-state.js';
import type { UdpPortTable } from './udp-ports.js';

/** What the translator needs from the router it sits in (the router's forwarding gives it). */
export interface NatPort {
  /** The table; only called while the router has one. */
  readonly nat: Nat | null;
  readonly natConfig: NatConfig | null;
  /** The outside: where the external addresses live, and where inbound drops are counted. */
  readonly uplink: Interface | null;
  /** The router's own UDP sockets: an unmapped datagram one of them takes is the router's. */
  readonly ports: UdpPortTable;
  /** TTL check and decrement for a packet that came in on `inIf`; false when it expired there (dropped, answered). */
  decrementTtl(pkt: Packet, inIf: Interface): boolean;
}

/** What inbound translation did: forwarded inward, consumed (dropped), or left for the router itself. */
export type InboundResult = 'forward' | 'done' | 'local';

/** The port-like field the NAT keys on: UDP/TCP ports, the ICMP query identifier, else 0. */
function srcKey(p: Packet): number {
  return p.proto === PROTO_UDP || p.proto === PROTO_TCP ? p.srcPort : p.proto === PROTO_ICMP ? p.icmpId : 0;
}

function dstKey(p: Packet): number {
  return p.proto === PROTO_UDP || p.proto === PROTO_TCP ? p.dstPort : p.proto === PROTO_ICMP ? p.icmpId : 0;
}

/** The TCP flags the NAT tracks connections by (RFC 5382), 0 for other protocols. */
function tcpFlags(p: Packet): number {
  return p.proto === PROTO_TCP ? tcpFlagsOf(p.payload) : 0;
}

function hasPorts(proto: number): boolean {
  return proto === PROTO_UDP || proto === PROTO_TCP;
}

function setSrc(p: Packet, m: NatMapping): void {
  p.src = m.externalIp;
  if (hasPorts(p.proto)) p.srcPort = m.externalPort;
  else if (p.proto === PROTO_ICMP) p.icmpId = m.externalPort;
}

function setDst(p: Packet, m: NatMapping): void {
  p.dst = m.internalIp;
  if (hasPorts(p.proto)) p.dstPort = m.internalPort;
  else if (p.proto === PROTO_ICMP) p.icmpId = m.internalPort;
}

export class NatTranslator {
  constructor(private readonly router: NatPort) {}

  /** LAN → uplink: source translation. False when the packet was dropped (counted on the uplink). */
  outbound(pkt: Packet): boolean {
    // ICMP errors in their own method: this one stays small enough to inline into the router's forwarding.
    if (pkt.proto === PROTO_ICMP && isIcmpError(pkt.icmpType)) return this.outboundError(pkt);
    const m = this.router.nat!.outbound(pkt.proto, pkt.src, srcKey(pkt), pkt.dst, pkt.proto === PROTO_ICMP ? 0 : dstKey(pkt), tcpFlags(pkt));
    if (typeof m === 'string') {
      this.router.uplink!.drop(pkt, m);
      return false;
    }
    setSrc(pkt, m);
    return true;
  }

  /** Uplink → one of the NAT's external addresses: destination translation. */
  inbound(pkt: Packet): InboundResult {
    if (pkt.proto === PROTO_ICMP && isIcmpError(pkt.icmpType)) return this.inboundError(pkt);
    const r = this.router;
    const up = r.uplink!;
    const m = r.nat!.inbound(pkt.proto, pkt.dst, dstKey(pkt), pkt.src, pkt.proto === PROTO_ICMP ? 0 : srcKey(pkt), tcpFlags(pkt));
    if (typeof m === 'string') {
      // Nothing mapped: the router's own services and ping answer; anything else is dropped silently,
      // or (unsolicited: port-unreachable, as Linux) a UDP packet nothing lets in reaches the router, which has no socket there.
      if (m === 'nat-no-mapping' && this.isForRouter(pkt)) return 'local';
      if (pkt.proto === PROTO_UDP && r.natConfig!.unsolicited === 'port-unreachable') return 'local';
      up.drop(pkt, m);
      return 'done';
    }
    if (!r.decrementTtl(pkt, up)) return 'done';
    setDst(pkt, m);
    return 'forward';
  }

  /** An error from inside about a packet that came in through a mapping: the quote shows remote → internal. */
  private outboundError(pkt: Packet): boolean {
    const nat = this.router.nat!;
    const up = this.router.uplink!;
    const q = readQuoted(pkt.payload);
    if (q === null) {
      up.drop(pkt, 'malformed');
      return false;
    }
    const qInternalPort = q.proto === PROTO_ICMP ? (q.icmpId ?? 0) : q.dstPort;
    const qRemotePort = q.proto === PROTO_ICMP ? 0 : q.srcPort;
    const m = nat.findByInternal(q.proto, q.dst, qInternalPort, q.src, qRemotePort);
    if (m === undefined) {
      up.drop(pkt, 'nat-no-mapping');
      return false;
    }
    pkt.src = m.externalIp;
    pkt.payload = rewriteQuoted(pkt.payload, { dst: m.externalIp, dstPort: m.externalPort });
    return true;
  }

  /** An error about a packet we sent out: the quote shows external → remote. */
  private inboundError(pkt: Packet): InboundResult {
    const r = this.router;
    const nat = r.nat!;
    const up = r.uplink!;
    const q = readQuoted(pkt.payload);
    if (q === null) {
      up.drop(pkt, 'malformed');
      return 'done';
    }
    const m = nat.findByExternal(q.proto, q.src, q.proto === PROTO_ICMP ? (q.icmpId ?? 0) : q.srcPort, q.dst, q.proto === PROTO_ICMP ? 0 : q.dstPort);
    if (m === undefined) return 'local';
    // The quote must name a flow the NAT holds both ways: the mapping and a remote it let through.
    // Linux conntrack drops a forged error quoting a never-contacted remote (spec, measured on Linux).
    if (!nat.admitsError(m, q.dst, q.dstPort)) {
      up.drop(pkt, 'nat-icmp-unmatched');
      return 'done';
    }
    if (!r.decrementTtl(pkt, up)) return 'done';
    pkt.dst = m.internalIp;
    pkt.payload = rewriteQuoted(pkt.payload, { src: m.internalIp, srcPort: m.internalPort });
    return 'forward';
  }

  /** A LAN (`lan`: any of them) → the NAT's own external address: hairpinning (RFC 4787 §6) with the external source. */
  hairpin(pkt: Packet, lan: Interface): InboundResult {
    const r = this.router;
    const nat = r.nat!;
    // ICMP to the router's own external address is the router's to answer.
    if (pkt.proto === PROTO_ICMP) return 'local';
    const target = nat.findByExternal(pkt.proto, pkt.dst, dstKey(pkt));
    if (target === undefined) return 'local';
    if (!r.natConfig!.hairpin) {
      // Linux without hairpin NAT: the packet is the router's own, and no socket listens there.
      if (pkt.proto === PROTO_UDP && r.natConfig!.unsolicited === 'port-unreachable') return 'local';
      lan.drop(pkt, 'hairpin-disabled');
      return 'done';
    }
    const from = nat.outbound(pkt.proto, pkt.src, srcKey(pkt), pkt.dst, dstKey(pkt), tcpFlags(pkt));
    if (typeof from === 'string') {
      lan.drop(pkt, from);
      return 'done';
    }
    const to = nat.inbound(pkt.proto, pkt.dst, dstKey(pkt), from.externalIp, from.externalPort, tcpFlags(pkt));
    if (typeof to === 'string') {
      lan.drop(pkt, to);
      return 'done';
    }
    if (!r.decrementTtl(pkt, lan)) return 'done';
    setSrc(pkt, from);
    setDst(pkt, to);
    return 'forward';
  }

  private isForRouter(pkt: Packet): boolean {
    if (pkt.proto === PROTO_UDP) return this.router.ports.lookup(pkt.dst, pkt.dstPort, pkt.src, pkt.srcPort) !== undefined;
    return pkt.proto === PROTO_ICMP;
  }
}
