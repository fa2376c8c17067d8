// The NAPT table (RFC 4787 / RFC 5382): which mapping a flow gets, who may send in, when mappings expire. The router rewrites packets.
import type { Ipv4 } from '../../wire/addr.js';
import { PROTO_UDP } from '../../wire/packet.js';
import { invalid } from '../errors.js';
import type { Rng } from '../rng.js';
import type { Scheduler } from '../scheduler.js';
import { PROTO_TCP } from '../../wire/packet.js';
import type { DropReason } from '../stats.js';
import type { Behavior, NatConfig } from './config.js';
import {
  ADDRESS_ONLY, admHash, apdmHash, ChainIndex, eimHash, findAdm, findApdm, findEim, findExternal, ICMP_ID, indexFor, keying, PORTS,
  type ProtoState,
} from './lookup.js';
import { ExpiryLanes, LANE_ASSURED, LANE_LIFETIME } from './expiry.js';
import { MappingEntry, type ExplicitRequest, type Nat, type NatEvent, type NatMapping } from './mapping.js';
import { flowFrom, linkOnPort, pickFlowPort, tupleFree, unlinkFromPort } from './overload.js';
import { PortAllocator, type PortPolicy } from './ports.js';
import { tcpAfter, tcpOpened, tcpTimerClass } from './tcp-state.js';
import { mappingView, type MappingView } from './view.js';

export type { ExplicitRequest, Nat, NatEvent, NatMapping } from './mapping.js';

/** Linux makes a replied UDP flow assured only from 2 s after it began (a quick query and answer stays short-lived). */
const ASSURED_AFTER_NS = 2_000_000_000;
/** Pool bookkeeping packs a mapping count and an external-IP index into one Smi. */
const POOL_SHIFT = 1024;

/**
 * NAPT state. Traffic mappings sit in expiry lists ordered by last refresh, one per idle timeout
 * (the lifetime; for TCP, RFC 5382's transitory and established timeouts by connection phase), with
 * at most one weak scheduler task armed for the earliest head; lookups also expire lazily.
 * Explicit mappings (add) are EIM + EIF (or filtered to given remotes: PCP FILTER) with their own lifetime and timer; traffic does not extend them.
 * setConfig: mapping/filtering/port changes apply to new mappings (existing ones keep theirs, REQ-11
 * only forbids changes by themselves); new lifetimes/timeouts apply to all traffic mappings at once.
 */
export class NatTable implements Nat {
  readonly mode = 'napt' as const;
  private cfg!: NatConfig;
  private readonly externalIps: readonly Ipv4[];
  private readonly protos: (ProtoState | undefined)[] = new Array<ProtoState | undefined>(256).fill(undefined);
  private readonly byId = new Map<number, MappingEntry>();
  private readonly expiry: ExpiryLanes;
  private nextId = 1;
  private portPolicy!: PortPolicy;
  /** assuredLifetimeNs > 0: flows can become assured (linux presets). */
  private assuring = false;
  private idPolicy!: PortPolicy;
  /** REQ-2 pooling (several external IPs): internal IP|0 → mappings*POOL_SHIFT + index of its external IP. */
  private readonly pooled = new Map<number, number>();
  /** Port overloading (the `linux` presets): the latest flow from each inside X:x, by flowSourceKey. */
  private readonly flowSources = new Map<number, MappingEntry>();
  private nextPoolIndex = 0;

  constructor(
    config: NatConfig,
    externalIps: readonly Ipv4[],
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    private readonly onEvent?: (e: NatEvent) => void,
  ) {
    if (config.mode !== 'napt') throw invalid(`NatTable is a NAPT; use createNat for a ${config.mode} NAT`);
    if (externalIps.length === 0) throw invalid('a NAT needs at least one external (uplink) address; give the router an uplink IP');
    if (externalIps.length >= POOL_SHIFT) throw invalid(`${externalIps.length} external addresses; a NAT takes at most ${POOL_SHIFT - 1}`);
    this.externalIps = [...externalIps];
    this.expiry = new ExpiryLanes(scheduler, (m, now) => this.remove(m, 'mapping-expired', now));
    this.applyConfig(config);
  }

  get config(): NatConfig {
    return this.cfg;
  }

  /** Live mappings, including any whose expiry is due but not yet swept. */
  get size(): number {
    return this.byId.size;
  }

  /**
   * Outbound X:x → Y:y: finds or creates the mapping (§4.1), records the permission (§5), refreshes (REQ-6).
   * TCP: the segment's flags move the connection's phase and so its idle timeout (RFC 5382 REQ-5).
   */
  outbound(proto: number, srcIp: Ipv4, srcPort: number, dstIp: Ipv4, dstPort: number, tcpFlags = 0): NatMapping | DropReason {
    const kind = keying(proto);
    if (kind === ADDRESS_ONLY) srcPort = dstPort = 0;
    else if (kind === ICMP_ID) dstPort = 0;
    const now = this.scheduler.now();
    const st = this.protos[proto] ?? this.initProto(proto);
    let m = this.lookupInternal(st, srcIp, srcPort, dstIp, dstPort, now, true);
    if (m === undefined) {
      const made = this.create(st, proto, kind, srcIp, srcPort, dstIp, dstPort, now, false, -1, 0, proto === PROTO_TCP ? tcpOpened(tcpFlags, true) : 0);
      if (typeof made === 'string') return made;
      m = made;
    } else if (proto === PROTO_TCP) {
      this.tcpSegment(m, tcpFlags, true, now);
    }
    m.permit(dstIp, dstPort);
    m.lastOutbound = now;
    m.packetsOut++;
    if (!m.explicit) {
      if (this.assuring && !m.assured) this.assure(m, now, m.packetsIn);
      this.expiry.refresh(m, now);
    }
    return m;
  }

  /**
   * Inbound Z:z → X':x': applies the mapping's filtering (§5); refreshes only with inboundRefresh (REQ-6 a).
   * TCP: filtered the same way (an unsolicited SYN is dropped silently, RFC 5382 REQ-4); a segment that
   * moves the connection to the other timeout class restarts its timer there.
   */
  inbound(proto: number, dstIp: Ipv4, dstPort: number, srcIp: Ipv4, srcPort: number, tcpFlags = 0): NatMapping | DropReason {
    const kind = keying(proto);
    if (kind === ADDRESS_ONLY) dstPort = srcPort = 0;
    else if (kind === ICMP_ID) srcPort = 0;
    let m = findExternal(this.protos[proto], this.externalIps, dstIp, dstPort);
    if (m === undefined) return 'nat-no-mapping';
    if (m.portNext !== null) m = flowFrom(m, srcIp, srcPort);
    const now = this.scheduler.now();
    if (!this.live(m, now, true)) return 'nat-no-mapping';
    if (!m.permits(srcIp, srcPort)) return 'nat-filtered';
    m.lastInbound = now;
    m.packetsIn++;
    if (proto === PROTO_TCP) this.tcpSegment(m, tcpFlags, false, now);
    if (this.cfg.inboundRefresh && !m.explicit) {
      if (this.assuring && !m.assured) this.assure(m, now, m.packetsIn - 1);
      this.expiry.refresh(m, now);
    }
    return m;
  }

  /**
   * The live mapping of X':x', without refreshing or expiring anything (REQ-12: ICMP errors use this).
   * With port overloading, the flow of that port bound to Z:z when the remote endpoint is given.
   */
  findByExternal(proto: number, externalIp: Ipv4, externalPort: number, remoteIp?: Ipv4, remotePort?: number): NatMapping | undefined {
    let m = findExternal(this.protos[proto], this.externalIps, externalIp, keying(proto) === ADDRESS_ONLY ? 0 : externalPort);
    if (m !== undefined && m.portNext !== null && remoteIp !== undefined) m = flowFrom(m, remoteIp, remotePort ?? 0);
    return m !== undefined && m.expiresAt > this.scheduler.now() ? m : undefined;
  }

  /** Linux conntrack forwards an ICMP error only for a tracked connection; here: the remote passes the mapping's filtering. */
  admitsError(m: NatMapping, remoteIp: Ipv4, remotePort: number): boolean {
    return (m as MappingEntry).permits(remoteIp, keying(m.proto) === PORTS ? remotePort : 0);
  }

  /** The live mapping outbound X:x → Y:y would use (per each mapping's behaviour key), without side effects. */
  findByInternal(proto: number, internalIp: Ipv4, internalPort: number, remoteIp: Ipv4, remotePort: number): NatMapping | undefined {
    const st = this.protos[proto];
    if (st === undefined) return undefined;
    const kind = keying(proto);
    if (kind === ADDRESS_ONLY) internalPort = remotePort = 0;
    else if (kind === ICMP_ID) remotePort = 0;
    return this.lookupInternal(st, internalIp, internalPort, remoteIp, remotePort, this.scheduler.now(), false);
  }

  /**
   * Explicit mapping (NAT-PMP/PCP/static): EIM + EIF, own lifetime. Idempotent: an existing explicit
   * mapping of (proto, X, x) is renewed; a live EIM traffic mapping of it becomes explicit (same x').
   */
  add(req: ExplicitRequest): NatMapping | DropReason {
    const kind = keying(req.proto);
    const internalPort = kind === ADDRESS_ONLY ? 0 : req.internalPort;
    if (!Number.isInteger(req.proto) || req.proto < 0 || req.proto > 255) throw invalid(`protocol ${req.proto} is not 0-255`);
    if (!Number.isInteger(internalPort) || internalPort < 0 || internalPort > 65535) throw invalid(`internal port ${internalPort} is not 0-65535`);
    if (!(req.lifetimeNs > 0)) throw invalid(`mapping lifetime ${req.lifetimeNs}ns must be positive; delete() removes a mapping`);
    const suggested = kind === ADDRESS_ONLY ? -1 : req.externalPort ?? 0;
    if (!Number.isInteger(suggested) || suggested > 65535) throw invalid(`suggested external port ${suggested} is not 0-65535`);
    const now = this.scheduler.now();
    const st = this.protos[req.proto] ?? this.initProto(req.proto);
    const existing = findEim(st, req.internalIp, internalPort);
    if (existing !== undefined && this.live(existing, now, true)) {
      if (!existing.explicit) {
        this.expiry.remove(existing);
        existing.makeExplicit();
      }
      if (req.requestedBy !== undefined) existing.requestedBy = req.requestedBy;
      if (req.filter !== undefined) existing.restrictTo(req.filter.behavior, req.filter.remotes);
      this.setExplicitLifetime(existing, req.lifetimeNs, now);
      return existing;
    }
    const m = this.create(st, req.proto, kind, req.internalIp, internalPort, 0, 0, now, true, suggested > 0 ? suggested : -1, req.lifetimeNs, 0, req.requestedBy);
    if (typeof m !== 'string' && req.filter !== undefined) m.restrictTo(req.filter.behavior, req.filter.remotes);
    return m;
  }

  /** The live explicit mapping of (proto, X, x), or undefined (traffic mappings are not explicit). No side effects. */
  findExplicit(proto: number, internalIp: Ipv4, internalPort: number): NatMapping | undefined {
    const st = this.protos[proto];
    if (st === undefined) return undefined;
    const m = findEim(st, internalIp, keying(proto) === ADDRESS_ONLY ? 0 : internalPort);
    return m !== undefined && m.explicit && m.expiresAt > this.scheduler.now() ? m : undefined;
  }

  /** True when external port `port` of `externalIp` is free for `proto` (no mapping holds it). */
  externalPortFree(proto: number, externalIp: Ipv4, port: number): boolean {
    return findExternal(this.protos[proto], this.externalIps, externalIp, port) === undefined;
  }

  /** New lifetime for an explicit mapping, from now; undefined if there is no such live explicit mapping. */
  renew(id: number, lifetimeNs: number): NatMapping | undefined {
    if (!(lifetimeNs > 0)) throw invalid(`mapping lifetime ${lifetimeNs}ns must be positive; delete() removes a mapping`);
    const m = this.byId.get(id);
    const now = this.scheduler.now();
    if (m === undefined || !m.explicit || !this.live(m, now, true)) return undefined;
    this.setExplicitLifetime(m, lifetimeNs, now);
    return m;
  }

  /** Removes any mapping (its port and permissions go with it); event 'mapping-deleted'. */
  delete(id: number): boolean {
    const m = this.byId.get(id);
    if (m === undefined) return false;
    this.remove(m, 'mapping-deleted', this.scheduler.now());
    return true;
  }

  /** Live mappings by id (creation order), as the public API shows them. */
  list(): MappingView[] {
    const now = this.scheduler.now();
    return this.records().map((m) => mappingView(m, now));
  }

  /** Live mappings' own records by id (creation order). */
  records(): NatMapping[] {
    const now = this.scheduler.now();
    const out: NatMapping[] = [];
    for (const m of this.byId.values()) if (m.expiresAt > now) out.push(m);
    return out;
  }

  /** `nat set` at run time (see the class comment for what applies to existing mappings). */
  setConfig(c: NatConfig): void {
    if (c.mode !== 'napt') throw invalid(`cannot turn a NAPT table into a ${c.mode} NAT in place; create a new NAT`);
    this.applyConfig(c);
  }

  /** Forgets every mapping (state loss, as on a reboot) without events; ids keep counting up. */
  clear(): void {
    for (const m of this.byId.values()) this.scheduler.cancel(m.timer);
    this.byId.clear();
    this.protos.fill(undefined);
    this.expiry.clear();
    this.pooled.clear();
    this.nextPoolIndex = 0;
  }

  /** Cancels the timers and drops the state. */
  dispose(): void {
    this.clear();
  }

  private applyConfig(c: NatConfig): void {
    this.cfg = c;
    this.expiry.setTimeouts([c.lifetimeNs, c.tcpTransitoryNs, c.tcpEstablishedNs, c.assuredLifetimeNs || c.lifetimeNs]);
    this.assuring = c.assuredLifetimeNs > 0;
    this.portPolicy = { range: c.portRange, preservation: c.portPreservation, parity: c.portParity, allocation: c.allocation, privilegedSplit: true };
    // ICMP query identifiers have no parity or privileged range.
    this.idPolicy = { ...this.portPolicy, parity: false, privilegedSplit: false };
  }

  private initProto(proto: number): ProtoState {
    const st: ProtoState = {
      eim: new ChainIndex(), adm: new ChainIndex(), apdm: new ChainIndex(),
      external: this.externalIps.map((ip) => ({ ports: new PortAllocator(this.rng.fork(`nat-ports:${proto}:${ip}`)), byPort: new Map() })),
    };
    this.protos[proto] = st;
    return st;
  }

  /** True if m is live at `now`; a due mapping is gone (and removed when `expire`). */
  private live(m: MappingEntry, now: number, expire: boolean): boolean {
    if (m.expiresAt > now) return true;
    if (expire) this.remove(m, 'mapping-expired', now);
    return false;
  }

  /** The mapping for X:x → Y:y: explicit/EIM by (X, x), then ADM by Y, then APDM by Y:y. No allocation. */
  private lookupInternal(st: ProtoState, ip: Ipv4, port: number, remoteIp: Ipv4, remotePort: number, now: number, expire: boolean): MappingEntry | undefined {
    let m = findEim(st, ip, port);
    if (m !== undefined && this.live(m, now, expire)) return m;
    if (st.adm.size > 0) {
      m = findAdm(st, ip, port, remoteIp);
      if (m !== undefined && this.live(m, now, expire)) return m;
    }
    if (st.apdm.size > 0) {
      m = findApdm(st, ip, port, remoteIp, remotePort);
      if (m !== undefined && this.live(m, now, expire)) return m;
    }
    return undefined;
  }

  /** `lifetimeNs` for explicit mappings (traffic ones take their lane's timeout); `tcpBits` the new TCP state. */
  private create(
    st: ProtoState, proto: number, kind: number, ip: Ipv4, port: number, remoteIp: Ipv4, remotePort: number,
    now: number, explicit: boolean, suggested: number, lifetimeNs: number, tcpBits: number, requestedBy?: string,
  ): MappingEntry | DropReason {
    // Mappings already due give their ports and table slots back before we count them.
    if (this.expiry.anyDue(now)) this.expiry.expireDue(now);
    if (this.byId.size >= this.cfg.maxMappings) return this.refuse('nat-table-full', proto, ip, port, remoteIp, remotePort, now);
    const picked = this.allocatePort(st, proto, kind, ip, port, suggested, explicit, remoteIp, remotePort);
    if (picked < 0) return this.refuse('nat-port-exhausted', proto, ip, port, remoteIp, remotePort, now);
    const index = Math.floor(picked / 65536);
    const mapping: Behavior = explicit || kind === ADDRESS_ONLY ? 'ei' : this.cfg.mapping;
    const hash = mapping === 'ei' ? eimHash(ip, port) : mapping === 'ad' ? admHash(ip, port, remoteIp) : apdmHash(ip, port, remoteIp, remotePort);
    const m = new MappingEntry(
      this.nextId++, proto, ip, port, index, this.externalIps[index], picked % 65536, mapping,
      mapping === 'ei' ? undefined : remoteIp, mapping === 'apd' ? remotePort : undefined, hash,
      explicit ? 'ei' : this.cfg.filtering, explicit, now, now + lifetimeNs,
    );
    m.tcpBits = tcpBits;
    m.requestedBy = requestedBy;
    if (this.cfg.portOverloading) {
      linkOnPort(st.external[index], m);
      if (!explicit) this.flowSources.set(flowSourceKey(proto, ip, port), m);
    }
    else st.external[index].byPort.set(m.externalPort, m);
    indexFor(st, m).add(m);
    this.byId.set(m.id, m);
    if (this.externalIps.length > 1) {
      const p = this.pooled.get(ip | 0);
      this.pooled.set(ip | 0, p !== undefined ? p + POOL_SHIFT : POOL_SHIFT + index);
    }
    if (explicit) {
      this.setExplicitLifetime(m, lifetimeNs, now);
    } else {
      this.expiry.add(m, proto === PROTO_TCP ? tcpTimerClass(tcpBits) : LANE_LIFETIME, now);
    }
    this.onEvent?.({ type: 'mapping-created', time: now, mapping: m });
    return m;
  }

  /** A free external port as index*65536+port, or -1. REQ-2: 'paired' keeps X on the external IP of its other mappings. */
  private allocatePort(
    st: ProtoState, proto: number, kind: number, ip: Ipv4, port: number, suggested: number, explicit: boolean, remoteIp: Ipv4, remotePort: number,
  ): number {
    const n = this.externalIps.length;
    const pool = n > 1 ? this.pooled.get(ip | 0) : undefined;
    const paired = this.cfg.pooling === 'paired';
    const first = pool !== undefined && paired ? pool % POOL_SHIFT : paired ? this.nextPoolIndex : 0;
    const tries = pool !== undefined && paired ? 1 : n;
    for (let i = 0; i < tries; i++) {
      const index = (first + i) % n;
      const ports = st.external[index].ports;
      let got: number | null;
      if (suggested > 0 && ports.claim(suggested)) got = suggested;
      else if (kind === ADDRESS_ONLY) got = ports.claim(0) ? 0 : null;
      else if (this.cfg.portOverloading && !explicit) got = this.flowPort(st, index, proto, kind, ip, port, remoteIp, remotePort);
      else got = ports.allocate(port, kind === PORTS ? this.portPolicy : this.idPolicy);
      if (got !== null) {
        if (paired && pool === undefined) this.nextPoolIndex = (index + 1) % n;
        return index * 65536 + got;
      }
    }
    return -1;
  }

  /**
   * Linux conntrack: the external port an earlier flow from X:x has, when this 5-tuple is free with it
   * (the kernel's find_appropriate_src, not with random-fully); else x (or a random port) whose 5-tuple
   * is free, shared with flows to other remotes; null if none.
   */
  private flowPort(st: ProtoState, index: number, proto: number, kind: number, ip: Ipv4, port: number, remoteIp: Ipv4, remotePort: number): number | null {
    const side = st.external[index];
    if (this.cfg.portPreservation) {
      const earlier = this.flowSources.get(flowSourceKey(proto, ip, port));
      if (earlier !== undefined && earlier.externalIndex === index && tupleFree(side, earlier.externalPort, remoteIp, remotePort)) return earlier.externalPort;
    }
    // Linux keeps an ICMP query's identifier too when it is free (but not in the privileged port ranges).
    const p = pickFlowPort(side, port, remoteIp, remotePort, this.cfg.portPreservation, this.cfg.portRange, kind === PORTS, this.rng);
    if (p < 0) return null;
    if (!side.ports.isUsed(p)) side.ports.claim(p);
    return p;
  }

  /**
   * Linux conntrack: a packet of a flow that had a reply before it, 2 s or more after the flow began,
   * makes it assured (kernel: nf_conntrack_udp, `stream_ts`); it moves to the assured list and lives longer.
   */
  private assure(m: MappingEntry, now: number, repliesBefore: number): void {
    // The UDP rule; TCP's states have timers of their own.
    if (m.proto !== PROTO_UDP || repliesBefore < 1 || now - m.createdAt < ASSURED_AFTER_NS) return;
    m.assured = true;
    this.expiry.move(m, LANE_ASSURED, now);
  }

  private refuse(reason: DropReason, proto: number, ip: Ipv4, port: number, remoteIp: Ipv4, remotePort: number, now: number): DropReason {
    this.onEvent?.({ type: 'mapping-refused', time: now, reason, proto, internalIp: ip, internalPort: port, remoteIp, remotePort });
    return reason;
  }

  /** A TCP segment crossed m: new phase; entering the other timeout class restarts the timer there (RFC 5382 REQ-5). */
  private tcpSegment(m: MappingEntry, flags: number, outbound: boolean, now: number): void {
    const bits = tcpAfter(m.tcpBits, flags, outbound);
    if (bits === m.tcpBits) return;
    m.tcpBits = bits;
    if (m.explicit) return;
    const lane = tcpTimerClass(bits);
    if (lane !== m.lane) this.expiry.move(m, lane, now);
  }

  private setExplicitLifetime(m: MappingEntry, lifetimeNs: number, now: number): void {
    this.scheduler.cancel(m.timer);
    m.timer = undefined;
    m.expiresAt = now + lifetimeNs;
    if (Number.isFinite(m.expiresAt)) m.timer = this.scheduler.at(m.expiresAt, this.explicitDue, m, true);
  }

  private readonly explicitDue = (m: MappingEntry): void => {
    m.timer = undefined;
    if (this.byId.get(m.id) === m) this.live(m, this.scheduler.now(), true);
  };

  /** Drops a mapping from every index; its port is released and its permissions go with it. */
  private remove(m: MappingEntry, type: 'mapping-expired' | 'mapping-deleted', now: number): void {
    if (this.byId.get(m.id) !== m) return;
    const st = this.protos[m.proto]!;
    const side = st.external[m.externalIndex];
    if (m.portNext !== null || side.byPort.get(m.externalPort) !== m) {
      if (unlinkFromPort(side, m)) side.ports.release(m.externalPort);
    } else {
      side.byPort.delete(m.externalPort);
      side.ports.release(m.externalPort);
    }
    indexFor(st, m).remove(m);
    this.byId.delete(m.id);
    const source = flowSourceKey(m.proto, m.internalIp, m.internalPort);
    if (this.flowSources.get(source) === m) this.flowSources.delete(source);
    if (m.explicit) {
      this.scheduler.cancel(m.timer);
      m.timer = undefined;
    } else {
      this.expiry.remove(m);
    }
    if (this.externalIps.length > 1) {
      const p = this.pooled.get(m.internalIp | 0);
      if (p !== undefined && p < 2 * POOL_SHIFT) this.pooled.delete(m.internalIp | 0);
      else if (p !== undefined) this.pooled.set(m.internalIp | 0, p - POOL_SHIFT);
    }
    this.onEvent?.({ type, time: now, mapping: m });
  }
}

/** X:x of one protocol as one number, exact (protocol, address and port need 56 bits: IEEE doubles hold 53, so the protocol goes in as 0-31). */
function flowSourceKey(proto: number, ip: Ipv4, port: number): number {
  return ((proto & 31) * 2 ** 32 + (ip >>> 0)) * 65536 + port;
}
