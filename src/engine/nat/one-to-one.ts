// 1:1 NAT ("Basic NAT", cloud style, spec §9): external IP ↔ internal IP, ports unchanged, all inbound allowed, no flows, no timers.
import type { Ipv4 } from '../../wire/addr.js';
import { formatIpv4 } from '../../wire/addr.js';
import { invalid } from '../errors.js';
import type { Rng } from '../rng.js';
import type { Scheduler } from '../scheduler.js';
import type { DropReason } from '../stats.js';
import type { NatConfig } from './config.js';
import type { Nat, NatEvent, NatMapping } from './mapping.js';
import { mappingView, type MappingView } from './view.js';

/** One external ↔ internal pair, listed as a mapping with proto 0 and port 0 ("any protocol, ports unchanged"). */
export class Pair implements NatMapping {
  readonly proto = 0;
  readonly internalPort = 0;
  readonly externalPort = 0;
  readonly remoteIp = undefined;
  readonly remotePort = undefined;
  expiresAt = Infinity;
  lastOutbound = -1;
  lastInbound = -1;
  packetsOut = 0;
  packetsIn = 0;
  /** What outbound()/findByInternal() return: this pair with the packet's protocol and port. */
  readonly out: PairView;
  /** What inbound()/findByExternal() return (a second view, so a hairpin's two ends do not share one). */
  readonly in: PairView;

  constructor(
    readonly id: number,
    readonly externalIp: Ipv4,
    readonly internalIp: Ipv4,
    /** Configured (true) or learned from the internal host's first packet (false). */
    readonly explicit: boolean,
    public createdAt: number,
  ) {
    this.out = new PairView(this);
    this.in = new PairView(this);
  }
}

/**
 * A pair seen through one packet: proto and ports are the packet's (x' = x). Reused for every
 * packet of the pair, so it is valid until the next call on the NAT; the router reads it at once.
 */
export class PairView implements NatMapping {
  proto = 0;
  internalPort = 0;
  externalPort = 0;
  readonly remoteIp = undefined;
  readonly remotePort = undefined;

  constructor(readonly pair: Pair) {}

  get id(): number { return this.pair.id; }
  get internalIp(): Ipv4 { return this.pair.internalIp; }
  get externalIp(): Ipv4 { return this.pair.externalIp; }
  get explicit(): boolean { return this.pair.explicit; }
  get createdAt(): number { return this.pair.createdAt; }
  get expiresAt(): number { return this.pair.expiresAt; }
  get lastOutbound(): number { return this.pair.lastOutbound; }
  get lastInbound(): number { return this.pair.lastInbound; }
  get packetsOut(): number { return this.pair.packetsOut; }
  get packetsIn(): number { return this.pair.packetsIn; }

  set(proto: number, port: number): this {
    this.proto = proto;
    this.internalPort = port;
    this.externalPort = port;
    return this;
  }
}

/**
 * Static pairs come from config.pairs; an internal host without one takes, on its first outbound
 * packet, the next uplink address not yet paired (learned pairs last until clear()).
 * Outbound from an unpaired host with no address left → 'nat-unpaired'; inbound to an unpaired
 * external address → 'nat-no-mapping'.
 */
export class OneToOneNat implements Nat {
  readonly mode = '1to1' as const;
  private cfg!: NatConfig;
  private readonly uplinkIps: readonly Ipv4[];
  private readonly byExternal = new Map<Ipv4, Pair>();
  private readonly byInternal = new Map<Ipv4, Pair>();
  private nextId = 1;

  constructor(
    config: NatConfig,
    externalIps: readonly Ipv4[],
    private readonly scheduler: Scheduler,
    _rng?: Rng,
    private readonly onEvent?: (e: NatEvent) => void,
  ) {
    if (config.mode !== '1to1') throw invalid(`OneToOneNat is a 1to1 NAT; use createNat for a ${config.mode} NAT`);
    this.uplinkIps = [...externalIps];
    this.loadPairs(config);
  }

  get config(): NatConfig {
    return this.cfg;
  }

  get size(): number {
    return this.byInternal.size;
  }

  outbound(proto: number, srcIp: Ipv4, srcPort: number, dstIp: Ipv4, dstPort: number): NatMapping | DropReason {
    const now = this.scheduler.now();
    const p = this.byInternal.get(srcIp) ?? this.learn(proto, srcIp, srcPort, dstIp, dstPort, now);
    if (p === undefined) return 'nat-unpaired';
    p.lastOutbound = now;
    p.packetsOut++;
    return p.out.set(proto, srcPort);
  }

  inbound(proto: number, dstIp: Ipv4, dstPort: number, _srcIp: Ipv4, _srcPort: number): NatMapping | DropReason {
    const p = this.byExternal.get(dstIp);
    if (p === undefined) return 'nat-no-mapping';
    p.lastInbound = this.scheduler.now();
    p.packetsIn++;
    return p.in.set(proto, dstPort);
  }

  findByExternal(proto: number, externalIp: Ipv4, externalPort: number): NatMapping | undefined {
    return this.byExternal.get(externalIp)?.in.set(proto, externalPort);
  }

  findByInternal(proto: number, internalIp: Ipv4, internalPort: number, _remoteIp: Ipv4, _remotePort: number): NatMapping | undefined {
    return this.byInternal.get(internalIp)?.out.set(proto, internalPort);
  }

  /** A pair holds no flows and lets everything in (EIF), so errors about it do too. */
  admitsError(_m: NatMapping, _remoteIp: Ipv4, _remotePort: number): boolean {
    return true;
  }

  /** The pairs as the public API shows them (proto "ip", addresses without ports), by id. */
  list(): MappingView[] {
    const now = this.scheduler.now();
    return this.records().map((m) => mappingView(m, now));
  }

  /** The pairs as mappings (proto 0, port 0), by id. */
  records(): NatMapping[] {
    return [...this.byInternal.values()].sort((a, b) => a.id - b.id);
  }

  /** The pairs as [external, internal] addresses, by id. */
  pairs(): { external: Ipv4; internal: Ipv4; explicit: boolean }[] {
    return (this.records() as Pair[]).map((p) => ({ external: p.externalIp, internal: p.internalIp, explicit: p.explicit }));
  }

  /** Other fields apply at once; new static pairs replace all pairs (learned ones are learned again). */
  setConfig(c: NatConfig): void {
    if (c.mode !== '1to1') throw invalid(`cannot turn a 1to1 NAT into a ${c.mode} NAT in place; create a new NAT`);
    const same = c.pairs.length === this.cfg.pairs.length && c.pairs.every(([e, i], k) => e === this.cfg.pairs[k][0] && i === this.cfg.pairs[k][1]);
    if (same) this.cfg = c;
    else this.loadPairs(c);
  }

  /** Forgets learned pairs; static pairs are configuration and stay. */
  clear(): void {
    for (const p of [...this.byInternal.values()]) {
      if (p.explicit) continue;
      this.byInternal.delete(p.internalIp);
      this.byExternal.delete(p.externalIp);
    }
  }

  dispose(): void {
    this.clear();
  }

  private loadPairs(c: NatConfig): void {
    this.byExternal.clear();
    this.byInternal.clear();
    this.cfg = c;
    const now = this.scheduler.now();
    for (const [ext, int] of c.pairs) {
      if (this.byExternal.has(ext)) throw invalid(`1to1 external address ${formatIpv4(ext)} is paired twice; each external address takes one internal address`);
      this.add(new Pair(this.nextId++, ext, int, true, now));
    }
  }

  private add(p: Pair): Pair {
    this.byExternal.set(p.externalIp, p);
    this.byInternal.set(p.internalIp, p);
    return p;
  }

  /** Pairs a new internal host with the first free uplink address, in order. */
  private learn(proto: number, ip: Ipv4, port: number, remoteIp: Ipv4, remotePort: number, now: number): Pair | undefined {
    const ext = this.uplinkIps.find((a) => !this.byExternal.has(a));
    if (ext === undefined) {
      this.onEvent?.({ type: 'mapping-refused', time: now, reason: 'nat-unpaired', proto, internalIp: ip, internalPort: port, remoteIp, remotePort });
      return undefined;
    }
    const p = this.add(new Pair(this.nextId++, ext, ip, false, now));
    this.onEvent?.({ type: 'mapping-created', time: now, mapping: p });
    return p;
  }
}
