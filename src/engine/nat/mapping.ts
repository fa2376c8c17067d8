// The NAT mapping record, its RFC 4787 §5 filtering permissions, TCP state, and the interface both NAT kinds share.
import type { Ipv4 } from '../../wire/addr.js';
import type { Task } from '../scheduler.js';
import type { DropReason } from '../stats.js';
import type { Behavior, NatConfig } from './config.js';
import { PROTO_TCP } from '../../wire/packet.js';
import { tcpStateName, type TcpState } from './tcp-state.js';
import type { MappingView } from './view.js';

/** A mapping X:x → X':x' (RFC 4787 §3). Times are virtual-clock ns. */
export interface NatMapping {
  readonly id: number;
  readonly proto: number;
  readonly internalIp: Ipv4;
  readonly internalPort: number;
  readonly externalIp: Ipv4;
  readonly externalPort: number;
  /** ADM/APDM: the destination the mapping is bound to (remotePort only for APDM). */
  readonly remoteIp?: Ipv4;
  readonly remotePort?: number;
  createdAt: number;
  /** Infinity for mappings that never expire (1:1 pairs, static explicit mappings). */
  expiresAt: number;
  lastOutbound: number;
  /** -1 until the first inbound packet. */
  lastInbound: number;
  packetsOut: number;
  packetsIn: number;
  /** Made through the API (NAT-PMP, PCP, static), not learned from traffic: own lifetime, EIF. */
  readonly explicit: boolean;
  /** TCP mappings of a NAPT: the connection's phase (RFC 5382); undefined for other protocols and 1:1 pairs. */
  readonly tcpState?: TcpState;
  /** Explicit mappings a client asked for: who asked ('natpmp', 'pcp'); undefined for static and traffic mappings. */
  readonly requestedBy?: string;
}

/** An explicit mapping request (NAT-PMP/PCP/static). */
export interface ExplicitRequest {
  proto: number;
  internalIp: Ipv4;
  internalPort: number;
  /** Suggested external port; taken when free, else one is allocated as for traffic. */
  externalPort?: number;
  /** Infinity for a static mapping that never expires. */
  lifetimeNs: number;
  /** A client's request ('natpmp', 'pcp'): shown in `nat show` and events as requested; left out for static mappings. */
  requestedBy?: string;
  /**
   * PCP FILTER: only these remotes may send in ('ad': any port of each IP, 'apd': each IP:port); an empty
   * list lets anyone in again. Left out: a new mapping lets anyone in, a renewal keeps its filter.
   */
  filter?: { behavior: 'ad' | 'apd'; remotes: { ip: Ipv4; port: number }[] };
}

export interface NatEvent {
  type: 'mapping-created' | 'mapping-expired' | 'mapping-deleted' | 'mapping-refused';
  time: number;
  mapping?: NatMapping;
  /** mapping-refused: why ('nat-port-exhausted', 'nat-table-full', 'nat-unpaired'). */
  reason?: DropReason;
  /** mapping-refused: the flow that asked for a mapping. */
  proto?: number;
  internalIp?: Ipv4;
  internalPort?: number;
  remoteIp?: Ipv4;
  remotePort?: number;
}

/** What the router needs from a NAT, NAPT (NatTable) or 1:1 (OneToOneNat). */
export interface Nat {
  readonly mode: 'napt' | '1to1';
  readonly config: NatConfig;
  /** `tcpFlags`: the segment's flags for TCP (RFC 5382 connection tracking), else ignored. */
  outbound(proto: number, srcIp: Ipv4, srcPort: number, dstIp: Ipv4, dstPort: number, tcpFlags?: number): NatMapping | DropReason;
  inbound(proto: number, dstIp: Ipv4, dstPort: number, srcIp: Ipv4, srcPort: number, tcpFlags?: number): NatMapping | DropReason;
  /** With port overloading (linux presets) the remote endpoint picks the flow among those sharing the port. */
  findByExternal(proto: number, externalIp: Ipv4, externalPort: number, remoteIp?: Ipv4, remotePort?: number): NatMapping | undefined;
  findByInternal(proto: number, internalIp: Ipv4, internalPort: number, remoteIp: Ipv4, remotePort: number): NatMapping | undefined;
  /**
   * May an ICMP error quoting X':x' → Y:y come in through `m`? Only when Y:y is a remote the mapping's
   * filtering lets in (with ADF/APDF: one X:x has sent to), so the quote names a flow the NAT holds.
   */
  admitsError(m: NatMapping, remoteIp: Ipv4, remotePort: number): boolean;
  /** The live mappings as the public API shows them (`router.nat.list()`). */
  list(): MappingView[];
  /** The live mappings' own records (engine-internal). */
  records(): NatMapping[];
  readonly size: number;
  setConfig(c: NatConfig): void;
  clear(): void;
  dispose(): void;
}

/** Permissions kept in a plain array (read without boxing) before switching to a Set. */
const PERM_LIST_MAX = 8;

/** The table's own record: NatMapping plus index links, filtering permissions and expiry-list links. */
export class MappingEntry implements NatMapping {
  // Numeric fields start as numbers: a field first holding undefined turns "tagged", and then
  // every store of a non-Smi time would allocate a new HeapNumber.
  createdAt = 0;
  expiresAt = 0;
  lastOutbound = 0;
  lastInbound = -1;
  packetsOut = 0;
  packetsIn = 0;
  explicit: boolean;
  /** §5 filtering of this mapping (fixed at creation; explicit mappings are EIF). */
  filtering: Behavior;
  /** First remote allowed in (ADF: Y, APDF: Y*65536+y), -1 for none; more in permList, then permSet. */
  private permFirst = -1;
  private permList: number[] | null = null;
  private permSet: Set<number> | null = null;
  /** TCP: flags seen each way (tcp-state.ts bits). */
  tcpBits = 0;
  /** Which expiry list holds a traffic mapping (expiry.ts lanes), by its idle timeout. */
  lane = 0;
  /** Expiry list links (traffic mappings). */
  prev: MappingEntry | null = null;
  next: MappingEntry | null = null;
  /** Explicit mappings with a finite lifetime: their own weak expiry task. */
  timer: Task | undefined = undefined;
  /** Internal-side index (EIM, ADM or APDM): int32 hash of the key and the next entry with the same hash. */
  readonly internalHash: number;
  internalNext: MappingEntry | null = null;
  /** Port overloading (linux presets): the next flow sharing this external port. */
  portNext: MappingEntry | null = null;
  /** Linux conntrack's "assured": a reply was seen, then more traffic; it then lives assuredLifetimeNs. */
  assured = false;
  /** Who asked for this explicit mapping (NAT-PMP, PCP); undefined for static and traffic mappings. */
  requestedBy: string | undefined = undefined;

  constructor(
    readonly id: number,
    readonly proto: number,
    readonly internalIp: Ipv4,
    readonly internalPort: number,
    /** Position of externalIp in the table's external addresses. */
    readonly externalIndex: number,
    readonly externalIp: Ipv4,
    readonly externalPort: number,
    /** §4.1 mapping behaviour this mapping was made under; it decides which index holds it. */
    readonly mapping: Behavior,
    readonly remoteIp: Ipv4 | undefined,
    readonly remotePort: number | undefined,
    internalHash: number,
    filtering: Behavior,
    explicit: boolean,
    now: number,
    expiresAt: number,
  ) {
    this.internalHash = internalHash;
    this.filtering = filtering;
    this.explicit = explicit;
    this.createdAt = now;
    this.lastOutbound = now;
    this.expiresAt = expiresAt;
  }

  get tcpState(): TcpState | undefined {
    return this.proto === PROTO_TCP ? tcpStateName(this.tcpBits) : undefined;
  }

  /** Records that X:x sent to Y:y through this mapping (the state ADF/APDF filter on). */
  permit(remoteIp: Ipv4, remotePort: number): void {
    const f = this.filtering;
    if (f === 'ei' || this.permitted(f, remoteIp, remotePort)) return;
    this.addPermission(f === 'ad' ? remoteIp : remoteIp * 65536 + remotePort);
  }

  /** §5: may Z:z send in through this mapping? */
  permits(remoteIp: Ipv4, remotePort: number): boolean {
    const f = this.filtering;
    return f === 'ei' || this.permitted(f, remoteIp, remotePort);
  }

  /**
   * Takes the endpoint, not a computed key, and keeps the two key kinds in separate branches:
   * a computed non-Smi number that meets a tagged one in a phi, or is passed to a call that is not
   * inlined, gets boxed. No allocation here unless past PERM_LIST_MAX remotes (then a Set).
   */
  private permitted(f: Behavior, remoteIp: Ipv4, remotePort: number): boolean {
    const list = this.permList;
    if (f === 'ad') {
      if (remoteIp === this.permFirst) return true;
      if (list !== null) {
        for (let i = 0; i < list.length; i++) if (list[i] === remoteIp) return true;
        return false;
      }
      return this.permSet !== null && this.permSet.has(remoteIp);
    }
    const key = remoteIp * 65536 + remotePort;
    if (key === this.permFirst) return true;
    if (list !== null) {
      for (let i = 0; i < list.length; i++) if (list[i] === key) return true;
      return false;
    }
    return this.permSet !== null && this.permSet.has(key);
  }

  private addPermission(key: number): void {
    if (this.permFirst < 0) this.permFirst = key;
    else if (this.permSet !== null) this.permSet.add(key);
    else if (this.permList === null) this.permList = [key];
    else if (this.permList.length < PERM_LIST_MAX) this.permList.push(key);
    else {
      this.permSet = new Set(this.permList);
      this.permSet.add(key);
      this.permList = null;
    }
  }

  /** An explicit mapping's PCP FILTER: only `remotes` may send in (none: anyone, EIF again). */
  restrictTo(behavior: 'ad' | 'apd', remotes: readonly { ip: Ipv4; port: number }[]): void {
    this.filtering = remotes.length === 0 ? 'ei' : behavior;
    this.permFirst = -1;
    this.permList = null;
    this.permSet = null;
    for (const r of remotes) this.permit(r.ip, r.port);
  }

  /** Becomes an explicit (EIF) mapping; the recorded permissions are no longer needed. */
  makeExplicit(): void {
    this.explicit = true;
    this.filtering = 'ei';
    this.permFirst = -1;
    this.permList = null;
    this.permSet = null;
  }
}
