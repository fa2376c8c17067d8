// Frames a packet as it crosses one interface: the Ethernet II header with the interface's VLAN
// tags and the MACs of both ends of that hop, then the IPv4 bytes as they are at that point.
import {
  BROADCAST_MAC, ETH_MIN_FRAME, ETHERTYPE_IPV4, ethernetHeaderLength, ipv4MulticastMac, writeEthernetHeader,
} from '../wire/ethernet.js';
import { packetLength, type Packet } from '../wire/packet.js';
import type { Interface } from '../engine/iface.js';
import type { Router } from '../engine/router.js';
import type { EncodeCache } from './encode-cache.js';

/** Written when no interface holds an address on a router's LAN (the frame would not really leave). */
const UNRESOLVED_MAC: Readonly<Uint8Array> = new Uint8Array(6);
const LIMITED_BROADCAST = 0xffffffff;

/**
 * How MACs are found, worked out once per interface:
 * - a point-to-point link (a host's eth0, a router's uplink): the other end is `peerInterface`,
 *   the same for every packet;
 * - a router's LAN (any of them), a switched segment: the neighbour holding the packet's address (next hop out,
 *   previous hop in), looked up per packet in the router's neighbour table and routed subnets;
 * - loopback: its own (all-zero) MAC both ways.
 * Broadcast and multicast destinations get ff:ff:ff:ff:ff:ff and 01:00:5e:… in either direction.
 */
export class InterfaceFramer {
  /** The VLAN stack, fixed when the interface is made: frameLength and write agree on the header. */
  private readonly vlan: readonly number[];
  private readonly headerLength: number;
  private readonly own: Uint8Array;
  private readonly peer: Uint8Array;
  private readonly lanOf: Router | null;
  private readonly subnetBroadcast: number;
  private readonly multicastScratch = new Uint8Array(6);

  constructor(iface: Interface) {
    this.vlan = iface.vlan;
    this.headerLength = ethernetHeaderLength(this.vlan.length);
    this.own = iface.mac;
    this.peer = iface.peerInterface !== null ? iface.peerInterface.mac : this.own;
    const owner = iface.owner as unknown as Router;
    this.lanOf = owner.kind === 'router' && owner.lans.ofInterface(iface) !== undefined ? owner : null;
    const subnet = iface.subnet;
    this.subnetBroadcast = subnet !== undefined && subnet.prefix < 31 ? (subnet.network | ~subnet.mask) >>> 0 : LIMITED_BROADCAST;
  }

  /** Bytes `write` may use for `pkt`: header, IPv4 packet, padding to 60. */
  frameLength(pkt: Packet): number {
    const n = this.headerLength + packetLength(pkt);
    return n < ETH_MIN_FRAME ? ETH_MIN_FRAME : n;
  }

  /** Writes the frame at buf[o..] (room for frameLength(pkt) bytes) and returns its length. The IPv4 bytes come through `ip`. Throws WireError for an unencodable packet. */
  write(pkt: Packet, dir: 'in' | 'out', buf: Uint8Array, o: number, ip: EncodeCache): number {
    const group = this.groupMac(pkt.dst);
    let dst: Uint8Array;
    let src: Uint8Array;
    if (dir === 'out') {
      src = this.own;
      dst = group ?? (this.lanOf !== null ? this.neighborMac(pkt.dst) : this.peer);
    } else {
      src = this.lanOf !== null ? this.neighborMac(pkt.src) : this.peer;
      dst = group ?? this.own;
    }
    const hl = writeEthernetHeader(buf, o, dst, src, this.vlan, ETHERTYPE_IPV4);
    let n = hl + ip.write(pkt, buf, o + hl);
    for (; n < ETH_MIN_FRAME; n++) buf[o + n] = 0;
    return n;
  }

  private groupMac(dst: number): Uint8Array | null {
    if (dst === LIMITED_BROADCAST || dst === this.subnetBroadcast) return BROADCAST_MAC;
    if (dst >>> 28 === 14) return ipv4MulticastMac(dst, this.multicastScratch);
    return null;
  }

  /** The MAC of the interface on this router's LAN that holds `ip`, or reaches it (a routed child's uplink). */
  private neighborMac(ip: number): Uint8Array {
    const r = this.lanOf!;
    const n = r.neighbor(ip);
    if (n !== undefined) return n.mac;
    if (r.hasAddress(ip)) return this.own;
    const routes = r.routedSubnets;
    for (let i = 0; i < routes.length; i++) if (routes[i].cidr.contains(ip)) return routes[i].via.mac;
    return UNRESOLVED_MAC;
  }
}
