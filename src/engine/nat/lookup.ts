// Allocation-free indexes for the NAT table: int32-hashed chains for the §4.1 mapping keys, per-external-IP port maps.
//
// Why not Map<ip*65536+port>: that key is a 48-bit double, and V8 boxes every non-Smi number
// passed to Map.get (a 16-byte HeapNumber per lookup). int32 keys are Smis, so lookups
// here allocate nothing; the chain compares the real fields, so hash collisions are harmless.
import type { Ipv4 } from '../../wire/addr.js';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP } from '../../wire/packet.js';
import type { MappingEntry } from './mapping.js';
import type { PortAllocator } from './ports.js';

/** How a protocol is keyed: UDP/TCP by port, ICMP queries by identifier, anything else by address only (port 0). */
export const PORTS = 0;
export const ICMP_ID = 1;
export const ADDRESS_ONLY = 2;

export function keying(proto: number): number {
  return proto === PROTO_UDP || proto === PROTO_TCP ? PORTS : proto === PROTO_ICMP ? ICMP_ID : ADDRESS_ONLY;
}

/** murmur3's finaliser: a bijection on 32 bits that spreads every input bit. Result is an int32 (a Smi). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** EIM key (X, x). */
export function eimHash(ip: Ipv4, port: number): number {
  return fmix32(ip ^ Math.imul(port, 0x9e3779b1));
}

/** ADM key (X, x, Y). */
export function admHash(ip: Ipv4, port: number, remoteIp: Ipv4): number {
  return fmix32(eimHash(ip, port) ^ remoteIp);
}

/** APDM key (X, x, Y, y). */
export function apdmHash(ip: Ipv4, port: number, remoteIp: Ipv4, remotePort: number): number {
  return fmix32(eimHash(ip, port) ^ Math.imul(eimHash(remoteIp, remotePort), 0x27d4eb2f));
}

/** Mappings by an int32 hash; entries with equal hashes chain through `internalNext`. */
export class ChainIndex {
  private readonly heads = new Map<number, MappingEntry>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** First entry with this hash; walk `internalNext` and compare fields. */
  first(hash: number): MappingEntry | undefined {
    return this.heads.get(hash);
  }

  add(m: MappingEntry): void {
    m.internalNext = this.heads.get(m.internalHash) ?? null;
    this.heads.set(m.internalHash, m);
    this.count++;
  }

  remove(m: MappingEntry): void {
    const head = this.heads.get(m.internalHash);
    if (head === m) {
      if (m.internalNext !== null) this.heads.set(m.internalHash, m.internalNext);
      else this.heads.delete(m.internalHash);
    } else {
      let e = head ?? null;
      while (e !== null && e.internalNext !== m) e = e.internalNext;
      if (e === null) return; // not in this index
      e.internalNext = m.internalNext;
    }
    m.internalNext = null;
    this.count--;
  }
}

/** One external IP of one protocol: its ports (REQ-3) and its mappings by external port (Smi keys). */
export interface ExternalSide {
  readonly ports: PortAllocator;
  readonly byPort: Map<number, MappingEntry>;
}

export interface ProtoState {
  /** EIM and explicit mappings by (X, x). */
  readonly eim: ChainIndex;
  /** ADM mappings by (X, x, Y). */
  readonly adm: ChainIndex;
  /** APDM mappings by (X, x, Y, y). */
  readonly apdm: ChainIndex;
  /** Parallel to the table's external IPs. */
  readonly external: ExternalSide[];
}

export function findEim(st: ProtoState, ip: Ipv4, port: number): MappingEntry | undefined {
  let m = st.eim.first(eimHash(ip, port)) ?? null;
  while (m !== null && (m.internalIp !== ip || m.internalPort !== port)) m = m.internalNext;
  return m ?? undefined;
}

export function findAdm(st: ProtoState, ip: Ipv4, port: number, remoteIp: Ipv4): MappingEntry | undefined {
  let m = st.adm.first(admHash(ip, port, remoteIp)) ?? null;
  while (m !== null && (m.internalIp !== ip || m.internalPort !== port || m.remoteIp !== remoteIp)) m = m.internalNext;
  return m ?? undefined;
}

export function findApdm(st: ProtoState, ip: Ipv4, port: number, remoteIp: Ipv4, remotePort: number): MappingEntry | undefined {
  let m = st.apdm.first(apdmHash(ip, port, remoteIp, remotePort)) ?? null;
  while (m !== null && (m.internalIp !== ip || m.internalPort !== port || m.remoteIp !== remoteIp || m.remotePort !== remotePort)) m = m.internalNext;
  return m ?? undefined;
}

/** The mapping holding X':x' (live or due), by the external IP's position and a Smi port key. */
export function findExternal(st: ProtoState | undefined, externalIps: readonly Ipv4[], ip: Ipv4, port: number): MappingEntry | undefined {
  if (st === undefined) return undefined;
  for (let i = 0; i < externalIps.length; i++) if (externalIps[i] === ip) return st.external[i].byPort.get(port);
  return undefined;
}

/** The index that holds mappings of this behaviour. */
export function indexFor(st: ProtoState, m: MappingEntry): ChainIndex {
  return m.mapping === 'ei' ? st.eim : m.mapping === 'ad' ? st.adm : st.apdm;
}
