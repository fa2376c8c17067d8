// ICMP error rate limiting as Linux does it (net/ipv4/icmp.c), one limiter per node (per network
// namespace in Linux): a token bucket per destination (net.ipv4.icmp_ratelimit) and one node-wide
// (net.ipv4.icmp_msgs_per_sec / icmp_msgs_burst), both on the engine's clock, so deterministic.
import type { Ipv4 } from '../wire/addr.js';
import { ICMP_DEST_UNREACHABLE, UNREACH_FRAG_NEEDED } from '../wire/packet.js';
import { invalid } from './errors.js';
import { formatDuration, NS_PER_S, parseDuration } from './units.js';

/** net.ipv4.icmp_ratelimit: 1000 ms, the cost of one error to one destination. */
export const DEFAULT_ICMP_RATELIMIT_NS = NS_PER_S;
/** The largest --icmp-ratelimit accepted (Linux takes any int of ms; beyond an hour nothing is gained). */
export const MAX_ICMP_RATELIMIT_NS = 3600 * NS_PER_S;
/** net.ipv4.icmp_ratemask 6168: destination unreachable (3), source quench (4), time exceeded (11), parameter problem (12). */
export const ICMP_RATEMASK = (1 << 3) | (1 << 4) | (1 << 11) | (1 << 12);
/** XRLIM_BURST_FACTOR: a destination's bucket holds six errors' worth of time. */
const BURST_FACTOR = 6;
/** inet_getpeer() backdates a new peer by 60 s, so its bucket starts with min(60 s, 6 × ratelimit). */
const NEW_PEER_CREDIT_NS = 60 * NS_PER_S;
/** net.ipv4.icmp_msgs_per_sec and net.ipv4.icmp_msgs_burst. */
export const GLOBAL_MSGS_PER_SEC = 1000;
export const GLOBAL_BURST = 50;
/** icmp_global_allow() refills no more often than every HZ/50 = 20 ms. */
const GLOBAL_REFILL_NS = NS_PER_S / 50;
/** Destinations tracked at most; past it the oldest is forgotten (its next error finds a full bucket). */
export const MAX_TRACKED_DESTINATIONS = 4096;

interface PeerBucket {
  /** Credit in ns of the clock: one error costs intervalNs. */
  tokens: number;
  last: number;
}

/**
 * Why 6 of 20 errors within one second (measured on Linux 6.18: 20 datagrams to a closed UDP port
 * 50 ms apart, 6 port unreachables came back): inet_peer_xrlim_allow() keeps per destination a credit
 * in jiffies that grows one per jiffy, capped at 6 × ratelimit (6 s), and spends ratelimit (1 s) per
 * error. A new destination starts full, so the first 6 errors (0-250 ms) pass; that leaves 250 ms of
 * credit, and the next whole second is there only at 1000 ms, after the last of the 20 (950 ms).
 * Then one error per second, and bursts of 6 again after 6 s of quiet.
 * "Fragmentation needed" is never limited (PMTU discovery), nor types outside icmp_ratemask (echo replies).
 *
 * The node-wide bucket: while credit is left an error passes; at 0 it refills by 1000/s of the time
 * since the last refill (at most 1 s, at least 20 ms apart), capped at 50. As in Linux since 6.12 it is
 * consulted before the destination's bucket but spent only when that one allows. Linux spends a random
 * 0-2 credits per error (against off-path side channels); vnet spends exactly one, the mean.
 */
export class IcmpRateLimiter {
  /** The cost of one error per destination, ns; 0 turns rate limiting off (both buckets). */
  intervalNs = DEFAULT_ICMP_RATELIMIT_NS;
  /** Errors not sent because their destination's bucket was empty / the node-wide one was. */
  limitedPerDestination = 0;
  limitedGlobal = 0;
  private peers: Map<Ipv4, PeerBucket> | null = null;
  /** Starts empty, as in a new namespace: the first error refills it to the burst. */
  private globalCredit = 0;
  private globalStamp = -Infinity;

  /** Whether an ICMP error of this type and code to `dst` may be sent now; spends its tokens if so. */
  allow(dst: Ipv4, type: number, code: number, now: number): boolean {
    if (this.intervalNs === 0 || !limitedType(type, code)) return true;
    if (!this.globalHasCredit(now)) {
      this.limitedGlobal++;
      return false;
    }
    if (!this.peerAllows(dst, now)) {
      this.limitedPerDestination++;
      return false;
    }
    this.globalCredit--;
    return true;
  }

  /** Destinations whose bucket is tracked (bounded by MAX_TRACKED_DESTINATIONS). */
  get trackedDestinations(): number {
    return this.peers?.size ?? 0;
  }

  private globalHasCredit(now: number): boolean {
    if (this.globalCredit > 0) return true;
    const delta = Math.min(now - this.globalStamp, NS_PER_S);
    if (delta < GLOBAL_REFILL_NS) return false;
    this.globalStamp = now;
    this.globalCredit = Math.min(this.globalCredit + Math.floor((GLOBAL_MSGS_PER_SEC * delta) / NS_PER_S), GLOBAL_BURST);
    return true;
  }

  private peerAllows(dst: Ipv4, now: number): boolean {
    const peers = (this.peers ??= new Map());
    const cap = BURST_FACTOR * this.intervalNs;
    let peer = peers.get(dst);
    if (peer === undefined) {
      if (peers.size >= MAX_TRACKED_DESTINATIONS) this.forget(now, cap);
      peer = { tokens: Math.min(NEW_PEER_CREDIT_NS, cap), last: now };
      peers.set(dst, peer);
    } else {
      peer.tokens = Math.min(peer.tokens + (now - peer.last), cap);
      peer.last = now;
    }
    if (peer.tokens < this.intervalNs) return false;
    peer.tokens -= this.intervalNs;
    return true;
  }

  /** Makes room: drops buckets that have refilled (as good as new), else the oldest one. */
  private forget(now: number, cap: number): void {
    const peers = this.peers!;
    for (const [dst, p] of peers) if (p.tokens + (now - p.last) >= cap) peers.delete(dst);
    if (peers.size >= MAX_TRACKED_DESTINATIONS) peers.delete(peers.keys().next().value as Ipv4);
  }
}

/** --icmp-ratelimit / icmpRatelimit: a duration (a number is ms), 0 for no limit; default 1 s. */
export function parseIcmpRatelimit(v: string | number | undefined): number {
  if (v === undefined) return DEFAULT_ICMP_RATELIMIT_NS;
  const ns = parseDuration(v, 'icmp-ratelimit');
  if (ns > MAX_ICMP_RATELIMIT_NS) throw invalid(`icmp-ratelimit ${formatDuration(ns)} is over ${formatDuration(MAX_ICMP_RATELIMIT_NS)}; give e.g. 1s, or 0 for no limit`);
  return ns;
}

/** Types in icmp_ratemask, except "fragmentation needed" (icmpv4_mask_allow: PMTU discovery is never limited). */
function limitedType(type: number, code: number): boolean {
  if (type > 31 || (ICMP_RATEMASK & (1 << type)) === 0) return false;
  return !(type === ICMP_DEST_UNREACHABLE && code === UNREACH_FRAG_NEEDED);
}
