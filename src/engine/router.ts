// A router: owns a subnet (its LAN, which it switches), routes between the LAN,
// routed child subnets and its uplink to the parent, decrements TTL, answers
// with ICMP errors where a real router would, and NATs on the uplink.
import { Cidr, type Ipv4 } from '../wire/addr.js';
import {
  ICMP_DEST_UNREACHABLE, ICMP_REDIRECT, ICMP_TIME_EXCEEDED, packetLength, REDIRECT_HOST, UNREACH_FRAG_NEEDED, UNREACH_HOST, UNREACH_NET,
  type Packet,
} from '../wire/packet.js';
import { fragmentPacket } from '../wire/fragment.js';
import { SubnetAllocator } from './allocator.js';
import type { NetContext } from './context.js';
import { NameTable } from './dns.js';
import { VnetError } from './errors.js';
import { Interface } from './iface.js';
import type { NatConfig } from './nat/config.js';
import type { Nat } from './nat/index.js';
import { NatTranslator } from './nat-translate.js';
import { icmpError } from './icmp.js';
import { NetNode } from './node.js';
import type { Rng } from './rng.js';
import type { Task } from './scheduler.js';
import { quoteInput } from '../wire/user-input.js';
import { RouterMulticast } from '../multicast/router-multicast.js';


/** Packets a router may hold while delaying, when no queue size is given. */
export const DEFAULT_QUEUE_SIZE = 1024;
export interface RouterSettings {
  cidr: Cidr;
  parent: Router | null;
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

export class Router extends NetNode {
  readonly kind = 'router' as const;
  readonly cidr: Cidr;
  readonly parent: Router | null;
  readonly lan: Interface;
  readonly uplink: Interface | null;
  readonly allocator: SubnetAllocator;
  readonly names = new NameTable();
  readonly children: Router[] = [];
  readonly hosts: import('./host.js').Host[] = [];
  /** The NAT on the uplink, or null for the root and `nat: none` routers. */
  natConfig: NatConfig | null = null;
  nat: Nat | null = null;
  private readonly translator: NatTranslator;
  /** The datagram reassembled here while it goes through process(), and its largest fragment (Linux's frag_max_size). */
  private reassembled: Packet | null = null;
  private reassembledFragment = 0;
  /** Addresses on the LAN segment → the interface that holds them (hosts' eth0, children's uplinks). */
  private readonly neighbors = new Map<Ipv4, Interface>();
  /** Routed (non-NAT) child subnets, longest prefix first. */
  private routes: { cidr: Cidr; via: Interface }[] = [];
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
    this.cidr = s.cidr;
    this.parent = s.parent;
    this.minDelayNs = s.minDelayNs;
    this.maxJitterNs = s.maxJitterNs;
    this.queueSize = s.queueSize;
    this.rng = ctx.rng.fork(`router:${name}`);
    this.allocator = new SubnetAllocator(s.cidr);
    this.lan = new Interface(this, 'lan', s.lanMac ?? null, s.mtu);
    this.lan.addresses = [s.gateway];
    this.lan.subnet = s.cidr;
    this.lan.peer = (pkt) => this.lanDeliver(pkt);
    if (s.parent) {
      const up = new Interface(this, 'uplink', s.uplinkMac ?? null, s.mtu);
      up.addresses = s.uplinkIps;
      up.subnet = s.parent.cidr;
      up.peerInterface = s.parent.lan;
      this.uplink = up;
    } else {
      this.uplink = null;
    }
    this.translator = new NatTranslator(this);
  }

  get gateway(): Ipv4 {
    return this.lan.addresses[0];
  }

  interfaces(): Interface[] {
    return this.uplink ? [this.lan, this.uplink] : [this.lan];
  }

  /** Puts an interface on this router's LAN under each of its addresses. */
  attach(iface: Interface): void {
    this.segmentVersion++;
    for (const ip of iface.addresses) this.neighbors.set(ip, iface);
  }

  detach(iface: Interface): void {
    this.segmentVersion++;
    for (const ip of iface.addresses) if (this.neighbors.get(ip) === iface) this.neighbors.delete(ip);
  }

  neighbor(ip: Ipv4): Interface | undefined {
    return this.neighbors.get(ip);
  }

  setRoutes(routes: { cidr: Cidr; via: Interface }[]): void {
    this.routes = [...routes].sort((a, b) => b.cidr.prefix - a.cidr.prefix);
  }

  get routedSubnets(): readonly { cidr: Cidr; via: Interface }[] {
    return this.routes;
  }

  hasAddress(ip: Ipv4): boolean {
    if (this.lan.addresses.includes(ip)) return true;
    return this.uplink !== null && this.uplink.addresses.includes(ip);
  }

  isUplinkAddress(ip: Ipv4): boolean {
    return this.uplink !== null && this.uplink.addresses.includes(ip);
  }

  sourceFor(dst: Ipv4): Ipv4 {
    if (this.uplink === null || this.cidr.contains(dst) || this.routeVia(dst) !== undefined) return this.lan.addresses[0];
    return this.uplink.addresses[0];
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
    if (this.neighbors.has(dst) || this.routeVia(dst) !== undefined || this.cidr.contains(dst) || this.uplink === null) {
      return this.sendOwn(pkt, this.lan, pmtuWant);
    }
    if (this.nat !== null && !this.isUplinkAddress(pkt.src) && !this.translator.outbound(pkt)) return null;
    return this.sendOwn(pkt, this.uplink, pmtuWant);
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
      this.process(pkt, iface);
      return;
    }
    this.enqueue(pkt, iface);
  }

  linkMtu(dst: Ipv4): number {
    return this.uplink !== null && this.sourceFor(dst) === this.uplink.addresses[0] ? this.uplink.mtu : this.lan.mtu;
  }

  /**
   * The forwarding decision for one packet that came in on `inIf`. Fragments to the router itself, and
   * on a NAT router all routed fragments (as Linux's conntrack defragments before NAT), are reassembled
   * first (see holdsFragment).
   */
  process(pkt: Packet, inIf: Interface): void {
    if (pkt.frag && this.holdsFragment(pkt, inIf)) return;
    const dst = pkt.dst;
    // 224.0.0.0/4: the multicast path (src/multicast/) instead of the unicast lookup.
    if (dst >>> 28 === 14) return this.multicast.input(pkt, inIf);
    const fromLan = inIf === this.lan;
    if (this.hasAddress(dst)) {
      if (this.nat !== null && this.isUplinkAddress(dst)) {
        const handled = fromLan ? this.translator.hairpin(pkt) : this.translator.inbound(pkt);
        if (handled === 'done') return;
        if (handled === 'forward') return this.route(pkt, inIf, false);
      }
      this.deliverLocal(pkt, inIf);
      return;
    }
    // Switching on the LAN: on-link traffic between neighbours keeps its TTL.
    if (fromLan) {
      const n = this.neighbors.get(dst);
      if (n !== undefined) {
        this.lan.transmit(pkt);
        return;
      }
      if (this.routes.length > 0 && this.viaLanRouter(pkt)) return;
    }
    this.route(pkt, inIf, true);
  }

  /**
   * A host on the LAN sends to a subnet routed via another router on the same LAN. As Linux: the
   * first packets come to this router, which forwards them (TTL-1) and sends the host an ICMP
   * redirect (type 5 code 1) naming that router; the host then sends straight to it, so its later
   * packets are switched here (TTL kept). True when the packet was switched.
   */
  private viaLanRouter(pkt: Packet): boolean {
    const via = this.routeVia(pkt.dst);
    const sender = this.neighbors.get(pkt.src);
    if (via === undefined || sender === undefined || sender.owner.kind !== 'host') return false;
    const host = sender.owner as import('./host.js').Host;
    const gateway = via.addresses[0];
    if (host.redirectFor(pkt.dst) === gateway) {
      this.lan.transmit(pkt);
      return true;
    }
    if (pkt.ttl > 1) {
      const redirect = icmpError(pkt, this.lan.addresses[0], ICMP_REDIRECT, REDIRECT_HOST);
      if (redirect !== null) {
        redirect.icmpId = Math.floor(gateway / 65536);
        redirect.icmpSeq = gateway % 65536;
        this.output(redirect);
      }
    }
    return false;
  }

  /**
   * Routes a packet: TTL, egress choice, MTU (fragmenting what has no DF), source NAT. `checkTtl` is false
   * when the NAT already did it.
   */
  route(pkt: Packet, inIf: Interface, checkTtl: boolean): void {
    if (checkTtl && !this.decrementTtl(pkt, inIf)) return;
    const dst = pkt.dst;
    if (this.neighbors.has(dst) || this.routeVia(dst) !== undefined) {
      if (!this.fits(pkt, this.lan, inIf)) return;
      // A DF packet here passed fits(); only one reassembled here, or without DF, may need cutting.
      if (pkt.df && pkt !== this.reassembled) this.lan.transmit(pkt);
      else this.send(pkt, this.lan);
      return;
    }
    if (this.cidr.contains(dst)) {
      inIf.drop(pkt, 'no-neighbor');
      this.sendError(pkt, ICMP_DEST_UNREACHABLE, UNREACH_HOST, 0, inIf.primary);
      return;
    }
    const up = this.uplink;
    if (up === null || inIf === up) {
      inIf.drop(pkt, 'no-route');
      this.sendError(pkt, ICMP_DEST_UNREACHABLE, UNREACH_NET, 0, inIf.primary);
      return;
    }
    if (!this.fits(pkt, up, inIf)) return;
    if (this.nat !== null && !this.translator.outbound(pkt)) return;
    if (pkt.df && pkt !== this.reassembled) up.transmit(pkt);
    else this.send(pkt, up);
  }

  /**
   * Takes a fragment for reassembly when it is for the router itself or crosses a NAT router (not switched
   * on the LAN); the whole datagram then goes through process(), and leaves cut to its largest fragment.
   */
  private holdsFragment(pkt: Packet, inIf: Interface): boolean {
    const dst = pkt.dst;
    if (this.nat === null && !this.hasAddress(dst)) return false;
    if (inIf === this.lan && this.neighbors.has(dst)) return false;
    const whole = this.reassemble(pkt, inIf);
    if (whole === null) return true;
    const outer = this.reassembled;
    const outerSize = this.reassembledFragment;
    this.reassembled = whole.packet;
    this.reassembledFragment = whole.largestFragment;
    try {
      this.process(whole.packet, inIf);
    } finally {
      this.reassembled = outer;
      this.reassembledFragment = outerSize;
    }
    return true;
  }

  /** TTL check and decrement (RFC 1812 §5.3.1); false when the packet expired here. */
  decrementTtl(pkt: Packet, inIf: Interface): boolean {
    if (pkt.ttl <= 1) {
      inIf.drop(pkt, 'ttl-exceeded');
      this.sendError(pkt, ICMP_TIME_EXCEEDED, 0, 0, inIf.primary);
      return false;
    }
    pkt.ttl--;
    return true;
  }

  /**
   * MTU check before the packet leaves by `out`: a DF packet that does not fit is dropped with "fragmentation
   * needed" and the next-hop MTU (a reassembled one only when one of its fragments would not fit).
   */
  private fits(pkt: Packet, out: Interface, inIf: Interface): boolean {
    if (!pkt.df || packetLength(pkt) <= out.mtu) return true;
    return this.tooBig(pkt, out, inIf);
  }

  private tooBig(pkt: Packet, out: Interface, inIf: Interface): boolean {
    if (pkt === this.reassembled && this.reassembledFragment <= out.mtu) return true;
    out.drop(pkt, 'mtu');
    this.sendError(pkt, ICMP_DEST_UNREACHABLE, UNREACH_FRAG_NEEDED, out.mtu, inIf.primary);
    return false;
  }

  /** Transmits on `out`, in fragments when the packet is over its MTU (or was reassembled here: cut as it came). */
  private send(pkt: Packet, out: Interface): void {
    const whole = pkt === this.reassembled;
    if (!whole && packetLength(pkt) <= out.mtu) {
      out.transmit(pkt);
      return;
    }
    const mtu = whole && this.reassembledFragment < out.mtu ? this.reassembledFragment : out.mtu;
    for (const f of fragmentPacket(pkt, mtu)) out.transmit(f);
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
    if (!this.fits(pkt, out, inIf)) return;
    if (out === this.uplink && this.nat !== null && !this.translator.outbound(pkt)) return;
    this.send(pkt, out);
  }

  /** The LAN's wire: hand the packet to the neighbour that holds its destination (to the segment for a group). */
  private lanDeliver(pkt: Packet): void {
    if (pkt.dst >>> 28 === 14) return this.multicast.lanDeliver(pkt, this.lan);
    const n = this.neighbors.get(pkt.dst) ?? this.routeVia(pkt.dst);
    if (n !== undefined) n.receive(pkt);
    else this.lan.drop(pkt, 'no-neighbor');
  }

  private routeVia(dst: Ipv4): Interface | undefined {
    const r = this.routes;
    for (let i = 0; i < r.length; i++) if (r[i].cidr.contains(dst)) return r[i].via;
    return undefined;
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
      if (this.alive) this.process(q.pkt, q.iface);
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
    this.scheduler.cancel(this.queueTask);
    this.queue = [];
    this.queueHead = 0;
    this.nat?.dispose();
    this.multicastState?.shutdown();
    this.groups?.clear();
    for (const s of this.ports.sockets()) if (!s.closed) s.close();
    this.lan.up = false;
    if (this.uplink) this.uplink.up = false;
  }
}

function drainRouterQueue(r: Router): void {
  r.drainQueue();
}
