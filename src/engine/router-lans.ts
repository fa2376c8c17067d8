// A router's LANs: each a switched segment with its own interface (lan, lan2, ...), subnet,
// gateway address, address allocator and hand-set MACs; and the one neighbour table over all of
// them (address → the host eth0 or child uplink holding it, whose peer is the LAN it sits on),
// with the routed subnets of non-NAT children behind them.
import type { Cidr, Ipv4 } from '../wire/addr.js';
import type { Packet } from '../wire/packet.js';
import { SubnetAllocator } from './allocator.js';
import { Interface, type InterfaceOwner } from './iface.js';
import { LanMacs } from './mac.js';

/** The name the first LAN interface always has; others default to lan2, lan3, ... */
export const FIRST_LAN = 'lan';

/** What a LAN needs from its router: its name (messages) and names (resolve for the hosts on it). */
export interface LanOwner extends InterfaceOwner {
  resolve(name: string): Ipv4;
}

/** One LAN of a router: what hosts and child routers attach to (a host's `Attachment`). */
export class Lan {
  readonly iface: Interface;
  readonly cidr: Cidr;
  readonly allocator: SubnetAllocator;
  /** MACs set by hand on this segment: two interfaces of one LAN never share one. */
  readonly macs: LanMacs;

  constructor(readonly router: LanOwner, name: string, cidr: Cidr, mac: Uint8Array | null, mtu: number, members: () => Iterable<Interface>) {
    this.iface = new Interface(router, name, mac, mtu);
    this.iface.subnet = cidr;
    this.cidr = cidr;
    this.allocator = new SubnetAllocator(cidr);
    this.macs = new LanMacs(name === FIRST_LAN ? router.name : this.iface.fullName, members);
  }

  get name(): string {
    return this.iface.name;
  }

  /** The router's address on this LAN. */
  get gateway(): Ipv4 {
    return this.iface.addresses[0];
  }

  resolve(name: string): Ipv4 {
    return this.router.resolve(name);
  }
}

/** A routed (non-NAT) child subnet and the child's uplink it is reached through. */
export interface RoutedSubnet {
  cidr: Cidr;
  via: Interface;
}

/** The LANs of one router, the neighbour table over them and the routed subnets behind them. */
export class RouterLans {
  readonly list: Lan[] = [];
  /** Addresses on the LAN segments → the interface that holds them (hosts' eth0, children's uplinks). */
  readonly neighbors = new Map<Ipv4, Interface>();
  /** Routed (non-NAT) child subnets, longest prefix first. */
  routes: RoutedSubnet[] = [];
  /** Group destinations (224.0.0.0/4) put on a LAN's wire go here (the multicast switch fills it); null: dropped as unicast with no neighbour. */
  groupSwitch: ((pkt: Packet, lan: Interface) => void) | null = null;

  /** The first LAN (named lan), which every router has. */
  get first(): Lan {
    return this.list[0];
  }

  add(lan: Lan): void {
    this.list.push(lan);
    const iface = lan.iface;
    iface.peer = (pkt) => this.switch(pkt, iface);
  }

  remove(lan: Lan): void {
    this.list.splice(this.list.indexOf(lan), 1);
    lan.iface.up = false;
  }

  named(name: string): Lan | undefined {
    return this.list.find((l) => l.name === name);
  }

  /** The LAN whose interface is `iface`, if it is one of them. */
  ofInterface(iface: Interface): Lan | undefined {
    const l = this.list;
    for (let i = 0; i < l.length; i++) if (l[i].iface === iface) return l[i];
    return undefined;
  }

  /** The LAN whose subnet holds `ip`. */
  containing(ip: Ipv4): Lan | undefined {
    const l = this.list;
    for (let i = 0; i < l.length; i++) if (l[i].cidr.contains(ip)) return l[i];
    return undefined;
  }

  /** The next free default name: lan2, lan3, ... */
  nextName(): string {
    for (let i = 2; ; i++) if (this.named(`lan${i}`) === undefined) return `lan${i}`;
  }

  /** Puts an interface on a LAN (its `peerInterface`) under each of its addresses. */
  attach(iface: Interface): void {
    for (const ip of iface.addresses) this.neighbors.set(ip, iface);
  }

  detach(iface: Interface): void {
    for (const ip of iface.addresses) if (this.neighbors.get(ip) === iface) this.neighbors.delete(ip);
  }

  setRoutes(routes: RoutedSubnet[]): void {
    this.routes = [...routes].sort((a, b) => b.cidr.prefix - a.cidr.prefix);
  }

  /** The child uplink a routed subnet holding `dst` is reached through. */
  routeVia(dst: Ipv4): Interface | undefined {
    const r = this.routes;
    for (let i = 0; i < r.length; i++) if (r[i].cidr.contains(dst)) return r[i].via;
    return undefined;
  }

  /** One LAN's wire: hand the packet to the neighbour on that segment that holds its destination (or routes it). */
  private switch(pkt: Packet, lan: Interface): void {
    if (this.groupSwitch !== null && pkt.dst >>> 28 === 14) return this.groupSwitch(pkt, lan);
    const n = this.neighbors.get(pkt.dst) ?? this.routeVia(pkt.dst);
    if (n !== undefined && n.peerInterface === lan) n.receive(pkt);
    else lan.drop(pkt, 'no-neighbor');
  }
}
