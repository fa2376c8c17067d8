// What the NAT-PMP and PCP halves of the server share: its options, the state a request reads, and
// granting (creating or renewing) a requested mapping in the router's NAT.
import type { Ipv4 } from '../../wire/addr.js';
import type { ExplicitRequest, NatMapping, NatTable } from '../../engine/nat/index.js';
import type { Router } from '../../engine/router.js';

const S = 1e9;

export interface NatPmpServerOptions {
  /** Answer PCP too (default false: PCP requests get NAT-PMP "unsupported version", RFC 6887 §9). */
  pcp?: boolean;
  /** Longest lifetime granted, ns (default 24 h); longer requests get this. */
  maxLifetimeNs?: number;
  /** Internal ports clients may map, [lo, hi] (default every port); others are refused. */
  allowPorts?: [number, number];
  /** PCP THIRD_PARTY: map for another LAN address (default refused, NOT_AUTHORIZED). */
  allowThirdParty?: boolean;
}

/** What a request's handler reads of the server (shared by the NAT-PMP and PCP halves). */
export interface ServerState {
  readonly router: Router;
  readonly options: Required<NatPmpServerOptions>;
  epoch(): number;
  /** The router's NAPT table, or the NAT-PMP result that says why there is none. */
  table(): NatTable | number;
  externalIp(): Ipv4;
  /** Nonces of PCP mappings by their record. */
  readonly nonces: WeakMap<NatMapping, Uint8Array>;
  onLan(ip: Ipv4): boolean;
}

export const NOT_AUTHORIZED = -1;
export const NO_RESOURCES = -2;

/**
 * Creates or renews the explicit mapping (proto, X, x) for `seconds` (clamped to the max lifetime).
 * NOT_AUTHORIZED: the internal port is outside the allowed range, or a static mapping holds it;
 * NO_RESOURCES: no port or table slot left.
 */
export function grant(
  s: ServerState, t: NatTable, proto: number, internalIp: Ipv4, internalPort: number, suggested: number, seconds: number, by: string,
  filter?: ExplicitRequest['filter'],
): { mapping: NatMapping; lifetime: number } | number {
  const [lo, hi] = s.options.allowPorts;
  if (internalPort < lo || internalPort > hi) return NOT_AUTHORIZED;
  const existing = t.findExplicit(proto, internalIp, internalPort);
  if (existing !== undefined && existing.requestedBy === undefined) return NOT_AUTHORIZED;
  const lifetime = Math.min(seconds, Math.floor(s.options.maxLifetimeNs / S));
  const m = t.add({ proto, internalIp, internalPort, externalPort: suggested, lifetimeNs: lifetime * S, requestedBy: by, ...(filter !== undefined ? { filter } : {}) });
  if (typeof m === 'string') return NO_RESOURCES;
  return { mapping: m, lifetime };
}

