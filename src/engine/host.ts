// A host: one or more addresses on eth0 plus loopback, sockets, and a default
// route to its router's gateway. Hosts do not forward.
import { Cidr, formatIpv4, isLoopback, isMulticast, type Ipv4 } from '../wire/addr.js';
import { packetLength, type Packet } from '../wire/packet.js';
import { readQuoted } from '../wire/quoted.js';
import type { NetContext } from './context.js';
import { VnetError } from './errors.js';
import { DEFAULT_MTU, Interface } from './iface.js';
import { NetNode } from './node.js';

const LOOPBACK = Cidr.parse('127.0.0.0/8');
const LOOPBACK_IP = 0x7f000001;
/** How long a host keeps a redirect (Linux: a route exception that expires after 300 s). */
export const REDIRECT_LIFETIME_NS = 300_000_000_000;

/**
 * A host's stack outside the engine (a Linux kernel in a network namespace behind a TUN device): it
 * takes every packet that reaches the host, fragments as they came (it reassembles), and sends its own
 * through `Host.fromStack`.
 */
export interface ExternalStack {
  /** What users call it (the namespace's name). */
  readonly name: string;
  deliver(pkt: Packet): void;
  /** The host was removed: let the outside stack go. */
  close(): void;
}

/** The router side a host attaches to: one of the router's LANs. */
export interface Attachment {
  /** The router's interface on that LAN (its address is the host's gateway). */
  readonly iface: Interface;
  /** The LAN's name on the router (lan, lan2, ...). */
  readonly name: string;
  resolve(name: string): Ipv4;
}

export class Host extends NetNode {
  readonly kind = 'host' as const;
  readonly eth0: Interface;
  private loopback: Interface | null = null;
  readonly attachment: Attachment;
  /** The router this host hangs off. */
  readonly routerName: string;
  /** Redirects taken from the gateway: destination → the neighbour to send it to, until when (made on first use). */
  private redirects: Map<Ipv4, { gateway: Ipv4; until: number }> | null = null;
  /** True for a host whose stack is a real kernel (`--netns`); its packets come and go through `stack`. */
  netns = false;
  /** The outside stack of a netns host, once attached (a scratch network copy never attaches one). */
  stack: ExternalStack | null = null;

  constructor(name: string, ctx: NetContext, attachment: Attachment, routerName: string, addresses: Ipv4[], subnet: Cidr, mac?: Uint8Array, mtu = DEFAULT_MTU) {
    super(name, ctx);
    this.attachment = attachment;
    this.routerName = routerName;
    this.eth0 = new Interface(this, 'eth0', mac ?? null, mtu);
    this.eth0.addresses = addresses;
    this.eth0.subnet = subnet;
    this.eth0.peerInterface = attachment.iface;
  }

  /** The loopback interface (127.0.0.1/8), made on first use. */
  get lo(): Interface {
    if (this.loopback === null) {
      const lo = new Interface(this, 'lo', new Uint8Array(6), 65536);
      lo.addresses = [LOOPBACK_IP];
      lo.subnet = LOOPBACK;
      lo.peer = (pkt) => this.deliverLocal(pkt, lo);
      lo.up = this.alive;
      this.loopback = lo;
    }
    return this.loopback;
  }

  get addresses(): Ipv4[] {
    return this.eth0.addresses;
  }

  /** The primary address as text. */
  get ip(): string {
    return formatIpv4(this.eth0.addresses[0]);
  }

  interfaces(): Interface[] {
    return [this.eth0, this.lo];
  }

  hasAddress(ip: Ipv4): boolean {
    if (isLoopback(ip)) return true;
    const a = this.eth0.addresses;
    return a.length === 1 ? a[0] === ip : a.includes(ip);
  }

  sourceFor(dst: Ipv4): Ipv4 {
    return isLoopback(dst) ? LOOPBACK_IP : this.eth0.addresses[0];
  }

  resolve(name: string): Ipv4 {
    if (name === this.name) return this.eth0.addresses[0];
    const n = name.toLowerCase().replace(/\.$/, '');
    if (n === 'localhost') return LOOPBACK_IP;
    return this.attachment.resolve(name);
  }

  /**
   * Sends what the host originates. Over the path MTU: EMSGSIZE with DF, unless `pmtuWant` (Linux's
   * IP_PMTUDISC_WANT), which, like no DF, sends it in fragments without DF; a path pinned at 552 bytes
   * takes 'want' datagrams without DF.
   */
  output(pkt: Packet, pmtuWant = false): VnetError | null {
    if (!this.alive) return new VnetError('ENETUNREACH', `host ${this.name} was removed from the network`);
    const len = packetLength(pkt);
    // The common case in few instructions (it is on every send): DF, nothing learnt, fits the link.
    if (pkt.df && this.pmtuCache === null && len <= this.eth0.mtu && !this.hasAddress(pkt.dst)) {
      this.eth0.transmit(pkt);
      return null;
    }
    return this.outputChecked(pkt, len, pmtuWant);
  }

  private outputChecked(pkt: Packet, len: number, pmtuWant: boolean): VnetError | null {
    if (len > 0xffff) {
      return new VnetError('EMSGSIZE', `datagram of ${len} bytes (IP) exceeds the IPv4 limit of 65535 bytes; send at most 65507 bytes of data`);
    }
    if (this.hasAddress(pkt.dst)) {
      this.lo.transmit(pkt);
      return null;
    }
    const mtu = this.pmtuCache === null ? this.eth0.mtu : this.pathMtu(pkt.dst);
    if (len <= mtu) {
      if (pmtuWant && this.pmtuCache !== null && this.pmtuCache.locked(pkt.dst, this.now())) pkt.df = false;
      if (!pkt.df && pkt.id === 0) pkt.id = this.nextIpId();
      this.eth0.transmit(pkt);
      return null;
    }
    if (pkt.df && !pmtuWant) {
      const what = mtu === this.eth0.mtu ? `the MTU of ${this.eth0.fullName}` : `the path MTU to ${formatIpv4(pkt.dst)}`;
      return new VnetError('EMSGSIZE', `datagram of ${len} bytes (IP) exceeds ${what} (${mtu} bytes); send at most ${mtu - 28} bytes of data, or let it fragment (setMtuDiscover('want'))`);
    }
    this.sendInFragments(pkt, this.eth0, mtu);
    return null;
  }

  /** The neighbour a redirect sends packets for `dst` to, while it lasts. */
  redirectFor(dst: Ipv4): Ipv4 | undefined {
    const r = this.redirects?.get(dst);
    if (r === undefined) return undefined;
    if (r.until > this.now()) return r.gateway;
    this.redirects!.delete(dst);
    return undefined;
  }

  /**
   * RFC 1122 §3.2.2.2: a redirect from the host's own gateway is used for the destination it quotes
   * (a host redirect, type 5 code 1; the new gateway sits in the rest-of-header), for 300 s as Linux.
   */
  protected override redirected(pkt: Packet): void {
    if (pkt.src !== this.attachment.iface.addresses[0]) return;
    const q = readQuoted(pkt.payload);
    if (q === null || !this.hasAddress(q.src)) return;
    const gateway = pkt.icmpId * 65536 + pkt.icmpSeq;
    (this.redirects ??= new Map()).set(q.dst, { gateway, until: this.now() + REDIRECT_LIFETIME_NS });
  }

  linkMtu(dst: Ipv4): number {
    return this.hasAddress(dst) ? this.lo.mtu : this.eth0.mtu;
  }

  /**
   * A packet the host's outside stack sent: out of eth0 as the host's own (the kernel set its TTL, DF, id
   * and checksums). A source that is not one of the host's addresses is dropped as martian.
   */
  fromStack(pkt: Packet): void {
    if (!this.alive) return;
    const a = this.eth0.addresses;
    if (a.length === 1 ? a[0] !== pkt.src : !a.includes(pkt.src)) return this.eth0.drop(pkt, 'martian');
    this.eth0.transmit(pkt);
  }

  input(pkt: Packet, iface: Interface): void {
    if (this.stack !== null) {
      if (this.hasAddress(pkt.dst)) this.stack.deliver(pkt);
      else iface.drop(pkt, 'martian');
      return;
    }
    if (!this.hasAddress(pkt.dst)) {
      // Group-addressed: the LAN hands a host only the frames of groups it joined (and 224.0.0.1's), as its NIC filters.
      if (isMulticast(pkt.dst)) return this.deliverGroup(pkt, iface);
      iface.drop(pkt, 'martian');
      return;
    }
    if (pkt.frag) return this.defragment(pkt, iface);
    this.deliverLocal(pkt, iface);
  }

  private defragment(pkt: Packet, iface: Interface): void {
    const whole = this.reassemble(pkt, iface);
    if (whole !== null) this.deliverLocal(whole.packet, iface);
  }

  /** Closes every socket; called when the host is removed. */
  shutdown(): void {
    this.alive = false;
    this.clearReassembly();
    this.groups?.clear();
    for (const s of this.ports.sockets()) if (!s.closed) s.close();
    this.eth0.up = false;
    if (this.loopback) this.loopback.up = false;
    const stack = this.stack;
    this.stack = null;
    stack?.close();
  }
}
