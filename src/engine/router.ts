// A router: a node with any number of LANs (switched segments, each with its own subnet and
// gateway address) and, below the root, an uplink to its parent with an optional NAT. Forwarding
// lives in forwarding.ts, the LANs and the neighbour table in router-lans.ts; this file holds the
// node: its addresses, the packets it originates, names, and the router-wide delay queue.
import type { Cidr, Ipv4 } from '../wire/addr.js';
import { packetLength, type Packet } from '../wire/packet.js';
import type { SubnetAllocator } from './allocator.js';
import type { NetContext } from './context.js';
import { NameTable } from './dns.js';
import { VnetError } from './errors.js';
import type { Reassembled } from './fragments.js';
import { Interface } from './iface.js';
import type { NatConfig } from './nat/config.js';
import type { Nat } from './nat/index.js';
import { Forwarder, type ForwardingHost } from './forwarding.js';
import { NetNode } from './node.js';
import type { Rng } from './rng.js';
import { FIRST_LAN, Lan, RouterLans, type RoutedSubnet } from './router-lans.js';
import type { Task } from './scheduler.js';
import { quoteInput } from '../wire/user-input.js';
import { RouterMulticast } from '../multicast/router-multicast.js';


/** Packets a router may hold while delaying, when no queue size is given. */
export const DEFAULT_QUEUE_SIZE = 1024;
export interface RouterSettings {
  cidr: Cidr;
  parent: Router | null;
  /** The LAN of the parent the uplink attaches to (default: the parent's first). */
  parentLan?: Lan;
  gateway: Ipv4;
  uplinkIps: Ipv4[];
  minDelayNs: number;
  maxJitterNs: number;
  queueSize: number;
  mtu: number;
  lanMac?: Uint8Array;
  uplinkMac?: Uint8Array;
}

interface Queued {
  pkt: Packet;
  iface: Interface;
  due: number;
}

export class Router extends NetNode implements ForwardingHost {
  readonly kind = 'router' as const;
  readonly parent: Router | null;
  /** The LAN of the parent this router's uplink sits on (null for the root). */
  readonly parentLan: Lan | null;
  readonly lans = new RouterLans();
  readonly uplink: Interface | null;
  readonly names = new NameTable();
  readonly children: Router[] = [];
  readonly hosts: import('./host.js').Host[] = [];
  /** Where every packet that comes in is forwarded (or delivered here). */
  readonly forwarding: Forwarder;
  /** The router's own addresses (every LAN's, then the uplink's), for the per-packet "is it mine?" test. */
  private own: Ipv4[] = [];
  // Router-wide delay (pion's MinDelay/MaxJitter) and its bounded queue.
  minDelayNs: number;
  maxJitterNs: number;
  queueSize: number;
  private readonly rng: Rng;
  private queue: Queued[] = [];
  private queueHead = 0;
  private lastDue = 0;
  private queueTask: Task | undefined;
  private multicastState: RouterMulticast | null = null;
  /** Moves when a neighbour is attached or detached (the multicast switch caches each LAN's members). */
  segmentVersion = 0;

  constructor(name: string, ctx: NetContext, s: RouterSettings) {
    super(name, ctx);
    this.parent = s.parent;
    this.parentLan = s.parent ? (s.parentLan ?? s.parent.lans.first) : null;
    this.minDelayNs = s.minDelayNs;
    this.maxJitterNs = s.maxJitterNs;
    this.queueSize = s.queueSize;
    this.rng = ctx.rng.fork(`router:${name}`);
    this.addLan(FIRST_LAN, s.cidr, s.lanMac ?? null, s.mtu, s.gateway);
    if (this.parentLan) {
      const up = new Interface(this, 'uplink', s.uplinkMac ?? null, s.mtu);
      up.addresses = s.uplinkIps;
      up.subnet = this.parentLan.cidr;
      up.peerInterface = this.parentLan.iface;
      this.uplink = up;
    } else {
      this.uplink = null;
    }
    this.forwarding = new Forwarder(this, this.lans);
    // Group destinations (224.0.0.0/4) take the multicast path (src/multicast/), made on first use: routed
    // per (S,G) route ahead of the unicast lookup, and put on a LAN's wire to every member of the segment.
    this.forwarding.multicast = { forward: (pkt, inIf) => this.multicast.input(pkt, inIf) };
    this.lans.groupSwitch = (pkt, lan) => this.multicast.lanDeliver(pkt, lan);
    this.refreshAddresses();
  }

  /** The NAT on the uplink, or null for the root and `nat: none` routers (kept by forwarding, which uses it per packet). */
  get nat(): Nat | null {
    return this.forwarding.nat;
  }

  set nat(nat: Nat | null) {
    this.forwarding.nat = nat;
  }

  get natConfig(): NatConfig | null {
    return this.forwarding.natConfig;
  }

  set natConfig(cfg: NatConfig | null) {
    this.forwarding.natConfig = cfg;
  }

  /** The first LAN's interface (`NODE/lan`). */
  get lan(): Interface {
    return this.lans.first.iface;
  }

  /** The first LAN's subnet. */
  get cidr(): Cidr {
    return this.lans.first.cidr;
  }

  /** The first LAN's address allocator. */
  get allocator(): SubnetAllocator {
    return this.lans.first.allocator;
  }

  /** The router's address on its first LAN. */
  get gateway(): Ipv4 {
    return this.lan.addresses[0];
  }

  /**
   * Adds a LAN interface with its subnet and gateway address (the network checks both first). The hosts
   * and child routers that attach to it are put in its `members` for the MAC check.
   */
  addLan(name: string, cidr: Cidr, mac: Uint8Array | null, mtu: number, gateway: Ipv4): Lan {
    const lan: Lan = new Lan(this, name, cidr, mac, mtu, (): Iterable<Interface> => this.lanMembers(lan));
    lan.iface.addresses = gateway === 0 ? [] : [gateway];
    this.lans.add(lan);
    this.refreshAddresses();
    return lan;
  }

  /** Takes a LAN away (the network has checked that nothing is on it). */
  removeLan(lan: Lan): void {
    this.lans.remove(lan);
    this.refreshAddresses();
  }

  /** Sets a LAN's gateway address. */
  setGateway(lan: Lan, gateway: Ipv4): void {
    lan.iface.addresses = [gateway];
    this.refreshAddresses();
  }

  /** The interfaces on one LAN: the router's, its hosts' eth0, its children's uplinks. */
  *lanMembers(lan: Lan): Iterable<Interface> {
    yield lan.iface;
    for (const h of this.hosts) if (h.eth0.peerInterface === lan.iface) yield h.eth0;
    for (const c of this.children) if (c.uplink!.peerInterface === lan.iface) yield c.uplink!;
  }

  interfaces(): Interface[] {
    const lanIfaces = this.lans.list.map((l) => l.iface);
    return this.uplink ? [lanIfaces[0], this.uplink, ...lanIfaces.slice(1)] : lanIfaces;
  }

  /** The LAN named `name` (lan, lan2, ...); ENOTFOUND naming the LANs there are when missing. */
  lanNamed(name: string): Lan {
    const lan = this.lans.named(name);
    if (lan === undefined) {
      throw new VnetError('ENOTFOUND', `router ${this.name} has no LAN ${quoteInput(name)}; its LANs: ${this.lans.list.map((l) => l.name).join(', ')}`);
    }
    return lan;
  }

  /** Puts an interface on one of this router's LANs (its peerInterface) under each of its addresses. */
  attach(iface: Interface): void {
    this.segmentVersion++;
    this.lans.attach(iface);
  }

  detach(iface: Interface): void {
    this.segmentVersion++;
    this.lans.detach(iface);
  }

  neighbor(ip: Ipv4): Interface | undefined {
    return this.lans.neighbors.get(ip);
  }

  setRoutes(routes: RoutedSubnet[]): void {
    this.lans.setRoutes(routes);
  }

  get routedSubnets(): readonly RoutedSubnet[] {
    return this.lans.routes;
  }

  hasAddress(ip: Ipv4): boolean {
    const a = this.own;
    return a.length === 2 ? a[0] === ip || a[1] === ip : a.includes(ip);
  }

  isUplinkAddress(ip: Ipv4): boolean {
    return this.uplink !== null && this.uplink.addresses.includes(ip);
  }

  /** The LAN interface a packet the router sends to `dst` leaves by, or null for the uplink. */
  private lanToward(dst: Ipv4): Interface | null {
    const next = this.lans.neighbors.get(dst) ?? this.lans.routeVia(dst);
    if (next !== undefined) return next.peerInterface;
    const lan = this.lans.containing(dst);
    if (lan !== undefined) return lan.iface;
    return this.uplink === null ? this.lan : null;
  }

  sourceFor(dst: Ipv4): Ipv4 {
    return (this.lanToward(dst) ?? this.uplink!).addresses[0];
  }

  /** Names: at each router from this one up to the root, its table, then the hosts attached to it. */
  resolve(name: string): Ipv4 {
    const n = name.toLowerCase().replace(/\.$/, '');
    const host = this.ctx.hostNamed(name) ?? this.ctx.hostNamed(n);
    const own = this.names.get(n);
    if (own !== undefined) return own;
    if (host !== undefined && host.routerName === this.name) return host.addresses[0];
    for (let r = this.parent; r !== null; r = r.parent) {
      const ip = r.names.get(n);
      if (ip !== undefined) return ip;
      if (host !== undefined && host.routerName === r.name) return host.addresses[0];
    }
    throw new VnetError('ENOTFOUND', `name ${quoteInput(name)} is not known below router ${this.name}; add it with \`vnet dns add NAME IP\``);
  }

  /**
   * Packets the router itself originates: ICMP errors, echo replies, its own sockets. Over the egress MTU
   * they leave in fragments without DF, or, with DF from a socket in 'do' mode, fail with EMSGSIZE.
   */
  output(pkt: Packet, pmtuWant = false): VnetError | null {
    const dst = pkt.dst;
    // Group-addressed packets the router sends leave by its LAN (the default multicast interface).
    if (dst >>> 28 === 14) return this.sendOwn(pkt, this.lan, pmtuWant);
    if (this.hasAddress(dst)) {
      this.deliverLocal(pkt, this.lan);
      return null;
    }
    const lan = this.lanToward(dst);
    if (lan !== null) return this.sendOwn(pkt, lan, pmtuWant);
    if (this.nat !== null && !this.isUplinkAddress(pkt.src) && !this.forwarding.translator.outbound(pkt)) return null;
    return this.sendOwn(pkt, this.uplink!, pmtuWant);
  }

  private sendOwn(pkt: Packet, out: Interface, pmtuWant: boolean): VnetError | null {
    const len = packetLength(pkt);
    if (len <= out.mtu) {
      out.transmit(pkt);
      return null;
    }
    if (pkt.df && !pmtuWant) {
      return new VnetError('EMSGSIZE', `datagram of ${len} bytes (IP) exceeds the MTU of ${out.fullName} (${out.mtu} bytes); send at most ${out.mtu - 28} bytes of data`);
    }
    this.sendInFragments(pkt, out, out.mtu);
    return null;
  }

  input(pkt: Packet, iface: Interface): void {
    if (this.minDelayNs === 0 && this.maxJitterNs === 0) {
      this.forwarding.process(pkt, iface);
      return;
    }
    this.enqueue(pkt, iface);
  }

  /** The forwarding decision for a packet that came in on `inIf` (see Forwarder.process). */
  process(pkt: Packet, inIf: Interface): void {
    this.forwarding.process(pkt, inIf);
  }

  deliverToSelf(pkt: Packet, inIf: Interface): void {
    this.deliverLocal(pkt, inIf);
  }

  reassembleFragment(pkt: Packet, inIf: Interface): Reassembled | null {
    return this.reassemble(pkt, inIf);
  }

  private refreshAddresses(): void {
    this.own = [...this.lans.list.flatMap((l) => l.iface.addresses), ...(this.uplink?.addresses ?? [])];
  }

  linkMtu(dst: Ipv4): number {
    return (this.lanToward(dst) ?? this.uplink!).mtu;
  }

  /** The router's multicast routes, IGMP state and settings (made on first use). */
  get multicast(): RouterMulticast {
    return (this.multicastState ??= new RouterMulticast(this));
  }

  /** True once multicast was configured or used on this router. */
  get hasMulticast(): boolean {
    return this.multicastState !== null;
  }

  /** Sends a copy the multicast forwarder made (TTL already decremented): MTU check, source NAT on the uplink. */
  forwardGroupCopy(pkt: Packet, out: Interface, inIf: Interface): void {
    this.forwarding.forwardCopy(pkt, out, inIf);
  }

  private enqueue(pkt: Packet, iface: Interface): void {
    if (this.queue.length - this.queueHead >= this.queueSize) {
      iface.drop(pkt, 'router-queue-full');
      return;
    }
    const now = this.now();
    let due = now + this.minDelayNs + (this.maxJitterNs > 0 ? this.rng.int(0, this.maxJitterNs) : 0);
    if (due < this.lastDue) due = this.lastDue;
    this.lastDue = due;
    this.queue.push({ pkt, iface, due });
    if (this.queueTask === undefined) this.queueTask = this.scheduler.at(due, drainRouterQueue, this);
  }

  /** Forwards every queued packet that is due, then re-arms for the next. */
  drainQueue(): void {
    this.queueTask = undefined;
    const now = this.now();
    while (this.queueHead < this.queue.length) {
      const q = this.queue[this.queueHead];
      if (q.due > now) {
        this.queueTask = this.scheduler.at(q.due, drainRouterQueue, this);
        break;
      }
      this.queueHead++;
      if (this.alive) this.forwarding.process(q.pkt, q.iface);
    }
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > 1024) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Linux's conntrack defragments without answering; a router's own reassembly answers as a host's does. */
  protected override reassemblyTimedOut(first: Packet): void {
    if (this.nat === null) super.reassemblyTimedOut(first);
  }

  /** Packets waiting in the router's own delay queue. */
  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** Stops the router: drops what it holds; called when it is removed. */
  shutdown(): void {
    this.alive = false;
    this.clearReassembly();
    this.forwarding.reset();
    this.scheduler.cancel(this.queueTask);
    this.queue = [];
    this.queueHead = 0;
    this.nat?.dispose();
    this.multicastState?.shutdown();
    this.groups?.clear();
    for (const s of this.ports.sockets()) if (!s.closed) s.close();
    for (const l of this.lans.list) l.iface.up = false;
    if (this.uplink) this.uplink.up = false;
  }
}

function drainRouterQueue(r: Router): void {
  r.drainQueue();
}
