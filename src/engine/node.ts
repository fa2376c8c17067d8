// What hosts and routers have in common: a name, UDP sockets bound to their
// own addresses, and the local end of the IP path (echo replies, port
// unreachable, ICMP errors handed to the socket that caused them).
import { formatIpv4, isIpv4, parseIpv4, type Ipv4 } from '../wire/addr.js';
import {
  ICMP_DEST_UNREACHABLE, ICMP_ECHO_REQUEST, ICMP_REDIRECT, ICMP_TIME_EXCEEDED, isIcmpError, makeIcmp, PROTO_ICMP, PROTO_IGMP, PROTO_UDP,
  UNREACH_FRAG_NEEDED, UNREACH_PORT, UNREACH_PROTOCOL, type Packet,
} from '../wire/packet.js';
import { fragmentPacket } from '../wire/fragment.js';
import { readQuoted } from '../wire/quoted.js';
import type { NetContext } from './context.js';
import type { VnetError } from './errors.js';
import type { Interface, InterfaceOwner } from './iface.js';
import { Reassembly, type Reassembled } from './fragments.js';
import { echoReply, icmpError } from './icmp.js';
import { IcmpRateLimiter } from './icmp-ratelimit.js';
import { PmtuCache } from './pmtu.js';
import type { Scheduler } from './scheduler.js';
import { VSocket, type SocketHost, type SocketOptions } from './socket.js';
import { UdpPortTable } from './udp-ports.js';
import { hash32 } from './rng.js';
import type { DropReason } from './stats.js';
import { NodeGroups } from '../multicast/node-groups.js';

/** An ICMP message that reached a node (for ping, traceroute and tests). */
export interface IcmpMessage {
  type: number;
  code: number;
  from: Ipv4;
  to: Ipv4;
  id: number;
  seq: number;
  ttl: number;
  /** For errors: the quoted packet's addresses and ports. */
  quoted?: { src: Ipv4; dst: Ipv4; proto: number; srcPort: number; dstPort: number };
}

export type ProtocolHandler = (pkt: Packet, iface: Interface) => void;

export abstract class NetNode implements InterfaceOwner, SocketHost {
  abstract readonly kind: 'router' | 'host';
  readonly name: string;
  readonly ctx: NetContext;
  readonly scheduler: Scheduler;
  private portTable: UdpPortTable | null = null;
  /** Answer datagrams to closed UDP ports with ICMP port unreachable (as Linux does). */
  portUnreachable = true;
  /** Answer echo requests to this node's addresses. */
  answerPing = true;
  private icmpLimit: IcmpRateLimiter | null = null;
  /** False once removed from the network. */
  alive = true;
  private icmpListeners: ((m: IcmpMessage) => void)[] | null = null;
  private protocolHandlers: Map<number, ProtocolHandler> | null = null;
  private udpServices: Map<number, ProtocolHandler> | null = null;
  protected pmtuCache: PmtuCache | null = null;
  private reassemblyBuffer: Reassembly | null = null;
  private ipId = -1;
  /** Multicast groups this node's sockets joined (made on first join). */
  groups: NodeGroups | null = null;

  constructor(name: string, ctx: NetContext) {
    this.name = name;
    this.ctx = ctx;
    this.scheduler = ctx.scheduler;
  }

  /** Limits the ICMP errors this node sends, like Linux (intervalNs 0: no limit); made on first use. */
  get icmpLimiter(): IcmpRateLimiter {
    return (this.icmpLimit ??= new IcmpRateLimiter());
  }

  /** The node's UDP ports (made on first use); the ephemeral cursor starts at a seeded place. */
  get ports(): UdpPortTable {
    return (this.portTable ??= new UdpPortTable(hash32(`ports:${this.name}`, this.ctx.rng.seed)));
  }

  abstract hasAddress(ip: Ipv4): boolean;
  abstract sourceFor(dst: Ipv4): Ipv4;
  abstract resolve(name: string): Ipv4;
  abstract output(pkt: Packet, pmtuWant?: boolean): VnetError | null;
  abstract input(pkt: Packet, iface: Interface): void;
  abstract interfaces(): Interface[];
  /** The MTU of the link a packet to `dst` leaves by. */
  abstract linkMtu(dst: Ipv4): number;

  /** Path MTUs learnt from "fragmentation needed" (made on first use). */
  get pmtu(): PmtuCache {
    return (this.pmtuCache ??= new PmtuCache());
  }

  /** Fragments waiting for the rest of their datagram (made on first use). */
  get reassembly(): Reassembly {
    return (this.reassemblyBuffer ??= new Reassembly({
      scheduler: this.scheduler, onTimeout: (first) => this.reassemblyTimedOut(first),
    }));
  }

  /** The path MTU toward `dst`: the link's, or lower when a router said so (for 10 minutes). */
  pathMtu(dst: Ipv4): number {
    const link = this.linkMtu(dst);
    return this.pmtuCache === null ? link : this.pmtuCache.get(dst, link, this.now());
  }

  /** Sends `pkt` out of `out` in fragments of `mtu` without DF, as Linux sends a datagram over the path MTU. */
  protected sendInFragments(pkt: Packet, out: Interface, mtu: number): void {
    pkt.df = false;
    if (pkt.id === 0) pkt.id = this.nextIpId();
    for (const f of fragmentPacket(pkt, mtu)) out.transmit(f);
  }

  /** The next IPv4 identification for a datagram sent without DF (one counter per node, from a seeded start). */
  nextIpId(): number {
    if (this.ipId < 0) this.ipId = hash32(`ipid:${this.name}`, this.ctx.rng.seed) & 0xffff;
    this.ipId = (this.ipId + 1) & 0xffff;
    return this.ipId;
  }

  /** A fragment for this node: the whole datagram once its last piece is in, else null (held or dropped). */
  protected reassemble(pkt: Packet, iface: Interface): Reassembled | null {
    return this.reassembly.add(pkt, iface);
  }

  /** Forgets the fragments held (the node is being removed). */
  protected clearReassembly(): void {
    this.reassemblyBuffer?.clear();
  }

  /** A datagram not reassembled in time whose first fragment came: ICMP time exceeded, code 1 (as Linux's ip_expire). */
  protected reassemblyTimedOut(first: Packet): void {
    if (this.alive) this.sendError(first, ICMP_TIME_EXCEEDED, 1);
  }

  now(): number {
    return this.scheduler.clock.now();
  }

  get dropEventsActive(): boolean {
    return this.ctx.events.active;
  }

  reportDrop(iface: Interface, pkt: Packet, reason: DropReason): void {
    this.ctx.reportDrop(iface, pkt, reason);
  }

  /** A dgram-shaped UDP socket on this node: createSocket('udp4') or createSocket({ type: 'udp4', reuseAddr }). */
  createSocket(type: 'udp4' | SocketOptions, listener?: (msg: Buffer, rinfo: import('./socket.js').RemoteInfo) => void): VSocket {
    const s = new VSocket(this, typeof type === 'string' ? { type } : type);
    if (listener) s.on('message', listener);
    return s;
  }

  /** A socket bound at once (throws on EADDRINUSE and friends). */
  udpBind(port = 0, address?: string): VSocket {
    return new VSocket(this, { type: 'udp4' }).bindNow(port, address);
  }

  /** Sends an ICMP echo request (ping) to a name or address. Replies arrive through onIcmp(). */
  sendEcho(dst: string, o: { id?: number; seq?: number; ttl?: number; size?: number } = {}): VnetError | null {
    let ip: Ipv4;
    try {
      ip = isIpv4(dst) ? parseIpv4(dst) : this.resolve(dst);
    } catch (err) {
      return err as VnetError;
    }
    const data = new Uint8Array(o.size ?? 56);
    for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
    return this.output(makeIcmp(this.sourceFor(ip), ip, ICMP_ECHO_REQUEST, 0, o.id ?? 1, o.seq ?? 1, data, o.ttl ?? 64));
  }

  /** Every ICMP message delivered to this node. Returns the function that stops listening. */
  onIcmp(listener: (m: IcmpMessage) => void): () => void {
    this.icmpListeners = [...(this.icmpListeners ?? []), listener];
    return () => {
      this.icmpListeners = (this.icmpListeners ?? []).filter((l) => l !== listener);
    };
  }

  /** Takes packets of an IP protocol that the node has no built-in handler for (TCP, GRE, ...). */
  setProtocolHandler(proto: number, handler: ProtocolHandler | null): void {
    if (handler) (this.protocolHandlers ??= new Map()).set(proto, handler);
    else this.protocolHandlers?.delete(proto);
  }

  /**
   * Answers UDP datagrams to `port` that no socket takes (a built-in service such as the gateway's DNS
   * server): a socket bound there, a proxy's say, still comes first. null removes it.
   */
  setUdpService(port: number, handler: ProtocolHandler | null): void {
    if (handler) (this.udpServices ??= new Map()).set(port, handler);
    else this.udpServices?.delete(port);
  }

  /** True when a socket of this node joined `group` (or it is 224.0.0.1, which every node is in). */
  inGroup(group: Ipv4): boolean {
    return group === 0xe0000001 || (this.groups !== null && this.groups.has(group));
  }

  /** The node's group memberships (made on first use). */
  get multicastGroups(): NodeGroups {
    return (this.groups ??= new NodeGroups(this.scheduler, this.ctx.rng.fork(`igmp:${this.name}`)));
  }

  /** The interface group memberships use: the one holding `ifaceIp`, or the default (eth0, a router's LAN). */
  protected groupInterface(ifaceIp: Ipv4): Interface {
    const all = this.interfaces();
    return (ifaceIp !== 0 ? all.find((i) => i.addresses.includes(ifaceIp)) : undefined) ?? all[0];
  }

  joinGroup(member: object, group: Ipv4, ifaceIp: Ipv4): boolean {
    return this.multicastGroups.join(member, group, this.groupInterface(ifaceIp));
  }

  dropGroup(member: object, group: Ipv4): boolean {
    return this.groups !== null && this.groups.drop(member, group);
  }

  dropGroups(member: object): void {
    this.groups?.dropMember(member);
  }

  /** IP_MULTICAST_LOOP: the node's own members of the group get a copy of what it sent. */
  loopGroup(pkt: Packet): void {
    if (this.groups !== null && this.groups.has(pkt.dst) && pkt.proto === PROTO_UDP) this.ports.deliverGroup(pkt);
  }

  /** An IGMP message for this node's own memberships (queries are answered with reports). */
  groupsIgmpInput(pkt: Packet): void {
    this.groups?.igmpInput(pkt);
  }

  /**
   * A datagram to a group this node is in: reassembled if a fragment, then to every socket bound to its port
   * (on the wildcard or the group), as Linux does with IP_MULTICAST_ALL on, the default.
   */
  deliverGroup(pkt: Packet, iface: Interface): void {
    if (pkt.frag) {
      const whole = this.reassemble(pkt, iface);
      if (whole === null) return;
      pkt = whole.packet;
    }
    if (pkt.proto === PROTO_IGMP) return this.groupsIgmpInput(pkt);
    if (pkt.proto === PROTO_UDP && this.inGroup(pkt.dst) && !this.ports.deliverGroup(pkt)) iface.drop(pkt, 'rcvbuf-full');
  }

  /** Delivers a packet addressed to this node. */
  protected deliverLocal(pkt: Packet, iface: Interface): void {
    if (pkt.proto === PROTO_UDP) {
      const s = this.ports.lookup(pkt.dst, pkt.dstPort, pkt.src, pkt.srcPort);
      if (s !== undefined) {
        if (!s.enqueue(pkt)) iface.drop(pkt, 'rcvbuf-full');
        return;
      }
      const service = this.udpServices?.get(pkt.dstPort);
      if (service !== undefined) return service(pkt, iface);
      iface.drop(pkt, 'port-unreachable');
      if (this.portUnreachable) this.sendError(pkt, ICMP_DEST_UNREACHABLE, UNREACH_PORT);
      return;
    }
    if (pkt.proto === PROTO_ICMP) return this.icmpInput(pkt);
    const handler = this.protocolHandlers?.get(pkt.proto);
    if (handler) return handler(pkt, iface);
    iface.drop(pkt, 'protocol-unreachable');
    this.sendError(pkt, ICMP_DEST_UNREACHABLE, UNREACH_PROTOCOL);
  }

  /** An ICMP redirect arrived (RFC 792 type 5); hosts act on it, routers ignore it (as Linux with forwarding on). */
  protected redirected(_pkt: Packet): void {}

  /** Sends an ICMP error about `offending` from this node's address. */
  sendError(offending: Packet, type: number, code: number, rest = 0, from?: Ipv4): void {
    const err = icmpError(offending, from ?? this.sourceFor(offending.src), type, code, rest);
    if (err && this.icmpLimiter.allow(err.dst, type, code, this.now())) this.output(err);
  }

  private icmpInput(pkt: Packet): void {
    if (pkt.icmpType === ICMP_REDIRECT) this.redirected(pkt);
    if (pkt.icmpType === ICMP_ECHO_REQUEST && this.answerPing) {
      this.output(echoReply(pkt, pkt.dst));
    }
    const error = isIcmpError(pkt.icmpType);
    // A redirect changes routes, not sockets (Linux does not report it to the socket either).
    const quoted = error && pkt.icmpType !== ICMP_REDIRECT ? readQuoted(pkt.payload) : null;
    if (quoted && pkt.icmpType === ICMP_DEST_UNREACHABLE && pkt.icmpCode === UNREACH_FRAG_NEEDED && this.hasAddress(quoted.src)) {
      this.pmtu.learn(quoted.dst, pkt.icmpSeq, this.linkMtu(quoted.dst), this.now());
    }
    if (quoted && quoted.proto === PROTO_UDP && this.hasAddress(quoted.src)) {
      const s = this.ports.owner(quoted.src, quoted.srcPort);
      s?.notifyIcmp({
        type: pkt.icmpType, code: pkt.icmpCode, from: formatIpv4(pkt.src),
        remote: { address: formatIpv4(quoted.dst), family: 'IPv4', port: quoted.dstPort },
        mtu: pkt.icmpType === ICMP_DEST_UNREACHABLE && pkt.icmpCode === UNREACH_FRAG_NEEDED ? pkt.icmpSeq : undefined,
      });
    }
    const listeners = this.icmpListeners;
    if (listeners === null || listeners.length === 0) return;
    const m: IcmpMessage = {
      type: pkt.icmpType, code: pkt.icmpCode, from: pkt.src, to: pkt.dst, id: pkt.icmpId, seq: pkt.icmpSeq, ttl: pkt.ttl,
      quoted: quoted ? { src: quoted.src, dst: quoted.dst, proto: quoted.proto, srcPort: quoted.srcPort, dstPort: quoted.dstPort } : undefined,
    };
    for (const l of listeners) l(m);
  }
}
