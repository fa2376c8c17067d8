// A router's forwarding plane: the decision for each packet that comes in on one of its interfaces
// (local delivery, group destinations, switching on a LAN, routing between LANs, routed subnets and
// the uplink), TTL, ICMP errors from the receiving interface's address, MTU and fragmenting, source
// NAT on the uplink. It sees the router only through ForwardingHost, as a socket sees its node
// through SocketHost.
import type { Ipv4 } from '../wire/addr.js';
import {
  ICMP_DEST_UNREACHABLE, ICMP_REDIRECT, ICMP_TIME_EXCEEDED, packetLength, REDIRECT_HOST, UNREACH_FRAG_NEEDED, UNREACH_HOST, UNREACH_NET,
  type Packet,
} from '../wire/packet.js';
import { fragmentPacket } from '../wire/fragment.js';
import type { Reassembled } from './fragments.js';
import type { Interface } from './iface.js';
import type { NatConfig } from './nat/config.js';
import type { Nat } from './nat/index.js';
import { NatTranslator, type NatPort } from './nat-translate.js';
import type { UdpPortTable } from './udp-ports.js';
import { icmpError } from './icmp.js';
import type { Lan, RouterLans } from './router-lans.js';

/** What forwarding needs from the router it works for. */
export interface ForwardingHost {
  readonly uplink: Interface | null;
  /** The router's own UDP sockets (the NAT leaves to the router what one of them takes). */
  readonly ports: UdpPortTable;
  hasAddress(ip: Ipv4): boolean;
  isUplinkAddress(ip: Ipv4): boolean;
  /** A packet for one of the router's own addresses (sockets, ping, errors to it). */
  deliverToSelf(pkt: Packet, inIf: Interface): void;
  /** Sends an ICMP error about `offending` from `from` (rate-limited like every error the router sends). */
  sendError(offending: Packet, type: number, code: number, rest: number, from: Ipv4 | undefined): void;
  /** Sends a packet the router originates (a redirect). */
  output(pkt: Packet): unknown;
  /** A fragment for reassembly: the whole datagram once complete, else null. */
  reassembleFragment(pkt: Packet, inIf: Interface): Reassembled | null;
}

/**
 * Forwards packets to group addresses (224.0.0.0/4) that came in on `inIf`. The multicast route table
 * fills Forwarder.multicast; while it is null, group destinations take the unicast path.
 */
export interface MulticastForwarder {
  forward(pkt: Packet, inIf: Interface): void;
}

export class Forwarder implements NatPort {
  /** The step for group destinations, ahead of the unicast lookup; null: none (they are routed as unicast). */
  multicast: MulticastForwarder | null = null;
  /** The NAT on the uplink (the router's `nat`), or null; its settings. */
  nat: Nat | null = null;
  natConfig: NatConfig | null = null;
  readonly uplink: Interface | null;
  /** Rewrites what crosses the NAT; it sees this forwarder as its NatPort. */
  readonly translator: NatTranslator;
  private readonly neighbors: Map<Ipv4, Interface>;
  /** The router's LANs (the list itself, which changes in place). */
  private readonly lanList: readonly Lan[];
  /** The datagram reassembled here while it goes through process(), and its largest fragment (Linux's frag_max_size). */
  private reassembled: Packet | null = null;
  private reassembledFragment = 0;

  constructor(private readonly host: ForwardingHost, private readonly lans: RouterLans) {
    this.neighbors = lans.neighbors;
    this.lanList = lans.list;
    this.uplink = host.uplink;
    this.translator = new NatTranslator(this);
  }

  get ports(): UdpPortTable {
    return this.host.ports;
  }

  /**
   * The forwarding decision for one packet that came in on `inIf`. Fragments to the router itself, and
   * on a NAT router all routed fragments (as Linux's conntrack defragments before NAT), are reassembled
   * first (see holdsFragment).
   */
  process(pkt: Packet, inIf: Interface): void {
    if (pkt.frag && this.holdsFragment(pkt, inIf)) return;
    const dst = pkt.dst;
    if (this.host.hasAddress(dst)) return this.toSelf(pkt, inIf);
    // Group destinations: the multicast step, ahead of the unicast lookup.
    if (this.multicast !== null && dst >>> 28 === 14) {
      this.multicast.forward(pkt, inIf);
      return;
    }
    // Switching on a LAN: on-link traffic between neighbours of one segment keeps its TTL.
    const n = this.neighbors.get(dst);
    if (n !== undefined && n.peerInterface === inIf) {
      inIf.transmit(pkt);
      return;
    }
    if (n === undefined && this.lans.routes.length > 0 && this.viaLanRouter(pkt, inIf)) return;
    this.route(pkt, inIf, true);
  }

  /** A packet to one of the router's addresses: NAT inbound (from the uplink) or hairpin (from a LAN), else the router's own. */
  private toSelf(pkt: Packet, inIf: Interface): void {
    if (this.nat !== null && this.host.isUplinkAddress(pkt.dst)) {
      const t = this.translator;
      const handled = inIf === this.uplink ? t.inbound(pkt) : t.hairpin(pkt, inIf);
      if (handled === 'done') return;
      if (handled === 'forward') return this.route(pkt, inIf, false);
    }
    this.host.deliverToSelf(pkt, inIf);
  }

  /**
   * A host on a LAN sends to a subnet routed via another router on the same LAN. As Linux: the
   * first packets come to this router, which forwards them (TTL-1) and sends the host an ICMP
   * redirect (type 5 code 1) naming that router; the host then sends straight to it, so its later
   * packets are switched here (TTL kept). True when the packet was switched.
   */
  private viaLanRouter(pkt: Packet, inIf: Interface): boolean {
    const via = this.lans.routeVia(pkt.dst);
    if (via === undefined || via.peerInterface !== inIf) return false;
    const sender = this.neighbors.get(pkt.src);
    if (sender === undefined || sender.peerInterface !== inIf || sender.owner.kind !== 'host') return false;
    const host = sender.owner as import('./host.js').Host;
    const gateway = via.addresses[0];
    if (host.redirectFor(pkt.dst) === gateway) {
      inIf.transmit(pkt);
      return true;
    }
    if (pkt.ttl > 1) {
      const redirect = icmpError(pkt, inIf.addresses[0], ICMP_REDIRECT, REDIRECT_HOST);
      if (redirect !== null) {
        redirect.icmpId = Math.floor(gateway / 65536);
        redirect.icmpSeq = gateway % 65536;
        this.host.output(redirect);
      }
    }
    return false;
  }

  /**
   * Routes a packet: TTL, egress choice (the LAN of its neighbour or routed subnet, else the uplink),
   * MTU (fragmenting what has no DF), source NAT. `checkTtl` is false when the NAT already did it.
   */
  route(pkt: Packet, inIf: Interface, checkTtl: boolean): void {
    if (checkTtl && !this.decrementTtl(pkt, inIf)) return;
    const dst = pkt.dst;
    const next = this.neighbors.get(dst) ?? this.lans.routeVia(dst);
    if (next !== undefined) {
      const out = next.peerInterface!;
      if (!this.fits(pkt, out, inIf)) return;
      // A DF packet here passed fits(); only one reassembled here, or without DF, may need cutting.
      if (pkt.df && pkt !== this.reassembled) out.transmit(pkt);
      else this.send(pkt, out);
      return;
    }
    if (this.onLan(dst)) {
      inIf.drop(pkt, 'no-neighbor');
      this.host.sendError(pkt, ICMP_DEST_UNREACHABLE, UNREACH_HOST, 0, inIf.primary);
      return;
    }
    const up = this.uplink;
    if (up === null || inIf === up) {
      inIf.drop(pkt, 'no-route');
      this.host.sendError(pkt, ICMP_DEST_UNREACHABLE, UNREACH_NET, 0, inIf.primary);
      return;
    }
    if (!this.fits(pkt, up, inIf)) return;
    if (this.nat !== null && !this.translator.outbound(pkt)) return;
    if (pkt.df && pkt !== this.reassembled) up.transmit(pkt);
    else this.send(pkt, up);
  }

  /** True when one of the LANs' subnets holds `dst` (inline: it is on the path of every packet leaving by the uplink). */
  private onLan(dst: Ipv4): boolean {
    const l = this.lanList;
    for (let i = 0; i < l.length; i++) if (l[i].cidr.contains(dst)) return true;
    return false;
  }

  /**
   * Sends a copy made elsewhere (a multicast forwarder's, TTL already decremented) out of `out`: the MTU
   * check against the interface it came in on, source NAT when `out` is the uplink, fragments as needed.
   */
  forwardCopy(pkt: Packet, out: Interface, inIf: Interface): void {
    if (!this.fits(pkt, out, inIf)) return;
    if (out === this.uplink && this.nat !== null && !this.translator.outbound(pkt)) return;
    this.send(pkt, out);
  }

  /** TTL check and decrement (RFC 1812 §5.3.1); false when the packet expired here (time exceeded from `inIf`'s address). */
  decrementTtl(pkt: Packet, inIf: Interface): boolean {
    if (pkt.ttl <= 1) {
      inIf.drop(pkt, 'ttl-exceeded');
      this.host.sendError(pkt, ICMP_TIME_EXCEEDED, 0, 0, inIf.primary);
      return false;
    }
    pkt.ttl--;
    return true;
  }

  /**
   * Takes a fragment for reassembly when it is for the router itself or crosses a NAT router (not switched
   * on its LAN); the whole datagram then goes through process(), and leaves cut to its largest fragment.
   */
  private holdsFragment(pkt: Packet, inIf: Interface): boolean {
    const dst = pkt.dst;
    if (this.nat === null && !this.host.hasAddress(dst)) return false;
    const n = this.neighbors.get(dst);
    if (n !== undefined && n.peerInterface === inIf) return false;
    const whole = this.host.reassembleFragment(pkt, inIf);
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
    this.host.sendError(pkt, ICMP_DEST_UNREACHABLE, UNREACH_FRAG_NEEDED, out.mtu, inIf.primary);
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

  /** Forgets a reassembly in progress (the router is being removed). */
  reset(): void {
    this.reassembled = null;
    this.reassembledFragment = 0;
  }
}
