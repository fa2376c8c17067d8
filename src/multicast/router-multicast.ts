// A router's multicast side: the group-addressed packets that reach it (the
// LAN switch's flooding to members, local delivery, IGMP, forwarding per the
// route table), the IGMP querier on its LANs, and `mroute add|rm|ls`.
// Forwarding follows gVisor's IPv4 path (spec: multicast-routing.md) by
// default; `compat: 'linux'` takes Linux ipmr's TTL rule and queue size.
import { formatIpv4, isMulticast, type Ipv4 } from '../wire/addr.js';
import { ALL_SYSTEMS, decodeIgmp, IGMP_LEAVE, IGMP_QUERY, IGMP_V1_REPORT, IGMP_V2_REPORT, igmpPacket } from '../wire/igmp.js';
import { clonePacket, packetLength, PROTO_IGMP, type Packet } from '../wire/packet.js';
import { invalid, notFound } from '../engine/errors.js';
import type { Interface } from '../engine/iface.js';
import type { Host } from '../engine/host.js';
import type { Router } from '../engine/router.js';
import type { Task } from '../engine/scheduler.js';
import {
  LanMembers, LAST_MEMBER_QUERY_COUNT, LAST_MEMBER_QUERY_INTERVAL_NS, QUERY_INTERVAL_NS, STARTUP_QUERY_COUNT, STARTUP_QUERY_INTERVAL_NS,
  type Membership, type MembershipView,
} from './lan-members.js';
import { isLinkLocalGroup } from './node-groups.js';
import {
  DEFAULT_MAX_PENDING_ROUTES, DEFAULT_PENDING_QUEUE_SIZE, LINUX_MAX_PENDING_ROUTES, LINUX_PENDING_QUEUE_SIZE, MulticastRouteTable, type InstalledRoute, type OutgoingInterface, type PendingRoute,
} from './route-table.js';

export type MulticastCompat = 'gvisor' | 'linux';

/** A router's multicast settings (the `multicast` entry of a router in topology files). */
export interface MulticastOptions {
  /** Forward group-addressed packets per installed routes, and run the IGMP querier on the LANs. */
  forwarding?: boolean;
  /** gvisor (default): forward when TTL >= the threshold, 3 pending packets; linux: TTL > threshold, 4. */
  compat?: MulticastCompat;
  /** Packets a pending route holds (default 3, or 4 with compat linux). */
  pendingQueueSize?: number;
}

/** One route as `mroute ls --json` prints it (installed or pending). */
export interface MrouteView {
  router: string;
  source: string;
  group: string;
  state: 'resolved' | 'unresolved';
  iif: string;
  oifs: OutgoingInterface[];
  packets: number;
  bytes: number;
  wrongIif: number;
  /** Installed: when a packet last left by it (install time at first). */
  lastUsedNs?: number;
  /** Pending: packets queued, refused (queue full), and when it expires. */
  queued?: number;
  overflow?: number;
  expiresNs?: number;
}

interface Queued {
  pkt: Packet;
  iif: Interface;
}

const TENTH_NS = 100_000_000;
/** Linux's MFC_ASSERT_THRESH: one wrong-interface upcall per route per 3 s. */
const LINUX_ASSERT_INTERVAL_NS = 3_000_000_000;

export class RouterMulticast {
  readonly table: MulticastRouteTable<Queued>;
  readonly members: LanMembers;
  private forwardingOn = false;
  private compatMode: MulticastCompat = 'gvisor';
  private queueSizeSet: number | undefined;
  private querier: Task | undefined;
  private startupQueriesLeft = 0;
  /** Per LAN interface, its neighbours (hosts' eth0, children's uplinks), remade when the segment changes. */
  private segments = new Map<Interface, { version: number; ifaces: Interface[] }>();

  constructor(private readonly router: Router) {
    this.table = new MulticastRouteTable<Queued>({
      scheduler: router.scheduler,
      onExpired: (_s, _g, p) => this.expired(p),
    });
    this.members = new LanMembers(router.scheduler, (m, change, reason) => this.membershipChanged(m, change, reason));
  }

  get forwarding(): boolean {
    return this.forwardingOn;
  }

  get compat(): MulticastCompat {
    return this.compatMode;
  }

  get pendingQueueSize(): number {
    return this.table.maxPendingQueueSize;
  }

  /** The options as given (what export writes), or undefined when all are defaults. */
  options(): MulticastOptions | undefined {
    const o: MulticastOptions = {};
    if (this.forwardingOn) o.forwarding = true;
    if (this.compatMode !== 'gvisor') o.compat = this.compatMode;
    if (this.queueSizeSet !== undefined) o.pendingQueueSize = this.queueSizeSet;
    return Object.keys(o).length > 0 ? o : undefined;
  }

  configure(o: MulticastOptions): void {
    const compat = o.compat ?? this.compatMode;
    if (compat !== 'gvisor' && compat !== 'linux') throw invalid(`multicast compat ${JSON.stringify(compat)} is not gvisor or linux`);
    const q = o.pendingQueueSize;
    if (q !== undefined && (!Number.isInteger(q) || q < 0 || q > 1024)) {
      throw invalid(`pending queue size ${q} is not a whole number of packets from 0 to 1024`);
    }
    this.compatMode = compat;
    if (q !== undefined) this.queueSizeSet = q;
    this.table.maxPendingQueueSize = this.queueSizeSet ?? (compat === 'linux' ? LINUX_PENDING_QUEUE_SIZE : DEFAULT_PENDING_QUEUE_SIZE);
    this.table.maxPendingRoutes = compat === 'linux' ? LINUX_MAX_PENDING_ROUTES : DEFAULT_MAX_PENDING_ROUTES;
    if (o.forwarding !== undefined) this.setForwarding(o.forwarding);
  }

  /** Turns forwarding (and the IGMP querier on the LANs) on or off; off removes every installed route (gVisor's DisableMulticastForwarding). */
  setForwarding(on: boolean): void {
    if (on === this.forwardingOn) return;
    this.forwardingOn = on;
    if (on) {
      this.startupQueriesLeft = STARTUP_QUERY_COUNT;
      this.query();
    } else {
      this.table.removeAll();
      this.router.scheduler.cancel(this.querier);
      this.querier = undefined;
    }
  }

  /** A group-addressed packet that came in on `inIf`. */
  input(pkt: Packet, inIf: Interface): void {
    const r = this.router;
    const dst = pkt.dst;
    // The LAN is a switch: the frame reaches the segment's other members whatever the router does.
    if (inIf !== r.uplink) inIf.transmit(pkt);
    if (pkt.proto === PROTO_IGMP) return this.igmpInput(pkt, inIf);
    if (r.inGroup(dst)) r.deliverGroup(pkt, inIf);
    if (!this.forwardingOn || isLinkLocalGroup(dst)) return;
    // gVisor: a source in 0.0.0.0/8 is refused.
    if (pkt.src >>> 24 === 0 || isMulticast(pkt.src)) return inIf.drop(pkt, 'martian');
    const found = this.table.lookupOrQueue(pkt.src, dst, { pkt, iif: inIf });
    switch (found.state) {
      case 'installed': return this.forward(pkt, inIf, found.route);
      case 'pending-inserted': return this.missing(pkt, inIf);
      case 'queued': return;
      case 'queue-full': return inIf.drop(pkt, 'mroute-queue-full');
    }
  }

  /**
   * The LAN's wire for a group-addressed frame: every neighbour on the segment but its sender gets it
   * (hosts only for groups they joined, 224.0.0.1 included, as their NIC's filter; routers always, as multicast routers listen to all).
   */
  lanDeliver(pkt: Packet, lan: Interface): void {
    const r = this.router;
    const dst = pkt.dst;
    const sender = r.neighbor(pkt.src) ?? routedVia(r, pkt.src);
    const seg = this.segment(lan);
    for (let i = 0; i < seg.length; i++) {
      const n = seg[i];
      if (n === sender) continue;
      if (n.owner.kind === 'host' && !(n.owner as Host).inGroup(dst)) continue;
      n.receive(pkt);
    }
  }

  /** Installs (or replaces) the route of (S,G) and forwards what its pending route held. */
  addRoute(source: Ipv4, group: Ipv4, iif: string, oifs: OutgoingInterface[]): InstalledRoute {
    const r = this.router;
    if (source >>> 24 === 0 || isMulticast(source) || source === 0xffffffff || source >>> 28 === 15) {
      throw invalid(`source ${formatIpv4(source)} is not a unicast address; an (S,G) route names the sender's address`);
    }
    if (!isMulticast(group)) throw invalid(`group ${formatIpv4(group)} is not a multicast address (224.0.0.0/4)`);
    if (isLinkLocalGroup(group)) throw invalid(`group ${formatIpv4(group)} is link-local (224.0.0.0/24) and never forwarded; use a group such as 239.1.1.1`);
    if (oifs.length === 0) throw invalid('a multicast route needs at least one outgoing interface (--out IFACE[:MINTTL])');
    const names = r.interfaces().map((i) => i.name);
    for (const name of [iif, ...oifs.map((o) => o.iface)]) {
      if (!names.includes(name)) throw notFound(`router ${r.name} has no interface ${JSON.stringify(name)}; it has ${names.join(', ')}`);
    }
    const seen = new Set<string>();
    for (const o of oifs) {
      if (o.iface === iif) throw invalid(`interface ${iif} is the route's input and cannot also be an output`);
      if (seen.has(o.iface)) throw invalid(`interface ${o.iface} is listed twice as an output`);
      seen.add(o.iface);
      if (!Number.isInteger(o.minTtl) || o.minTtl < 0 || o.minTtl > 255) throw invalid(`TTL threshold ${o.minTtl} of ${o.iface} is not 0-255`);
    }
    if (!this.forwardingOn) this.setForwarding(true);
    const { route, released, expired } = this.table.install(source, group, { iif, oifs });
    for (const q of expired) q.iif.drop(q.pkt, 'mroute-expired');
    // gVisor re-runs released packets through the forwarding path on the interface they came in on (RPF applies).
    for (const q of released) {
      if (q.iif.up) this.forward(q.pkt, q.iif, route);
      else q.iif.drop(q.pkt, 'node-removed');
    }
    return route;
  }

  removeRoute(source: Ipv4, group: Ipv4): boolean {
    return this.table.remove(source, group);
  }

  removeAllRoutes(): number {
    return this.table.removeAll();
  }

  routes(): MrouteView[] {
    const name = this.router.name;
    const out: MrouteView[] = [];
    for (const { source, group, route } of this.table.installedRoutes()) {
      out.push({
        router: name, source: formatIpv4(source), group: formatIpv4(group), state: 'resolved', iif: route.iif, oifs: route.oifs.map((o) => ({ ...o })),
        packets: route.packets, bytes: route.bytes, wrongIif: route.wrongIif, lastUsedNs: route.lastUsedNs,
      });
    }
    for (const { source, group, pending } of this.table.pendingRoutes()) {
      const first = pending.packets[0];
      let bytes = 0;
      for (const q of pending.packets) bytes += packetLength(q.pkt);
      out.push({
        router: name, source: formatIpv4(source), group: formatIpv4(group), state: 'unresolved', iif: first ? first.iif.name : '', oifs: [],
        packets: pending.packets.length, bytes, wrongIif: 0, queued: pending.packets.length, overflow: pending.overflow, expiresNs: pending.expiresNs,
      });
    }
    return out;
  }

  memberships(): MembershipView[] {
    return this.members.list();
  }

  /**
   * A LAN `iface` was removed (`router iface rm`): what was learnt on it goes, routes no longer send
   * out of it, and a route that came in by it or has no output left goes (so `mroute ls` and the
   * export name only interfaces the router has). Returns how many routes went.
   */
  dropInterface(iface: Interface): number {
    this.members.dropIface(iface.name);
    this.segments.delete(iface);
    let removed = 0;
    for (const { source, group, route } of this.table.installedRoutes()) {
      const i = route.oifs.findIndex((o) => o.iface === iface.name);
      if (i >= 0) route.oifs.splice(i, 1);
      if (route.iif === iface.name || route.oifs.length === 0) removed += this.table.remove(source, group) ? 1 : 0;
    }
    return removed;
  }

  /** The router is removed: timers stop, pending packets go. */
  shutdown(): void {
    this.router.scheduler.cancel(this.querier);
    this.querier = undefined;
    this.table.close();
    this.members.clear();
  }

  /** gVisor's forwardValidatedMulticastPacket: RPF check, then a copy (TTL-1) out of each interface whose threshold the TTL passes. */
  private forward(pkt: Packet, inIf: Interface, route: InstalledRoute): void {
    const r = this.router;
    if (inIf.name !== route.iif) {
      route.wrongIif++;
      inIf.drop(pkt, 'mroute-wrong-iif');
      const ev = r.ctx.events;
      const now = r.now();
      if (this.compatMode === 'linux') {
        if (now - route.lastWrongIifEventNs < LINUX_ASSERT_INTERVAL_NS) return;
        route.lastWrongIifEventNs = now;
      }
      if (ev.active) {
        ev.emit({
          type: 'mroute-wrong-iif', time: now, router: r.name, source: formatIpv4(pkt.src), group: formatIpv4(pkt.dst),
          iif: inIf.name, expectedIif: route.iif,
        });
      }
      return;
    }
    route.packets++;
    route.bytes += packetLength(pkt);
    const ttl = pkt.ttl;
    // RFC 1812 §5.3.1: a packet that would leave with TTL 0 is not forwarded (gVisor would; see the spec's caveat).
    if (ttl <= 1) return inIf.drop(pkt, 'ttl-exceeded');
    const linux = this.compatMode === 'linux';
    const oifs = route.oifs;
    let sent = false;
    for (let i = 0; i < oifs.length; i++) {
      const o = oifs[i];
      const out = this.iface(o.iface);
      if (out === undefined || !out.up) continue;
      if (linux ? ttl <= o.minTtl : ttl < o.minTtl) {
        out.drop(pkt, 'mroute-ttl-threshold');
        continue;
      }
      const copy = clonePacket(pkt);
      copy.ttl = ttl - 1;
      r.forwardGroupCopy(copy, out, inIf);
      sent = true;
    }
    if (sent) route.setLastUsed(r.now());
  }

  private missing(pkt: Packet, inIf: Interface): void {
    const r = this.router;
    const ev = r.ctx.events;
    if (!ev.active) return;
    ev.emit({ type: 'mroute-missing', time: r.now(), router: r.name, source: formatIpv4(pkt.src), group: formatIpv4(pkt.dst), iif: inIf.name });
  }

  private expired(p: PendingRoute<Queued>): void {
    for (const q of p.packets) q.iif.drop(q.pkt, 'mroute-expired');
  }

  private igmpInput(pkt: Packet, inIf: Interface): void {
    const r = this.router;
    r.groupsIgmpInput(pkt);
    let m;
    try {
      m = decodeIgmp(pkt.payload);
    } catch {
      return inIf.drop(pkt, 'malformed');
    }
    if ((m.type === IGMP_V2_REPORT || m.type === IGMP_V1_REPORT) && isMulticast(m.group) && !isLinkLocalGroup(m.group)) {
      this.members.report(inIf.name, m.group, pkt.src);
    } else if (m.type === IGMP_LEAVE && this.members.leave(inIf.name, m.group) && this.forwardingOn && inIf !== r.uplink) {
      this.lastMemberQueries(inIf, m.group, LAST_MEMBER_QUERY_COUNT);
    }
  }

  private membershipChanged(m: Membership, change: 'added' | 'removed', reason?: 'leave' | 'timeout'): void {
    const r = this.router;
    const ev = r.ctx.events;
    if (!ev.active) return;
    ev.emit({
      type: change === 'added' ? 'mcast-member-added' : 'mcast-member-removed', time: r.now(), router: r.name, iface: m.iface,
      group: formatIpv4(m.group), reporter: formatIpv4(m.reporter), ...(reason ? { reason } : {}),
    });
  }

  /** A general query on every LAN, then the next one: 2 at startup 31.25 s apart, then every 125 s. */
  query(): void {
    this.querier = undefined;
    const r = this.router;
    if (!this.forwardingOn || !r.alive) return;
    for (const i of r.interfaces()) {
      if (i === r.uplink || !i.up) continue;
      i.transmit(igmpPacket(i.addresses[0], ALL_SYSTEMS, { type: IGMP_QUERY, maxResp: 100, group: 0 }));
    }
    let next = QUERY_INTERVAL_NS;
    if (this.startupQueriesLeft > 0) {
      this.startupQueriesLeft--;
      if (this.startupQueriesLeft > 0) next = STARTUP_QUERY_INTERVAL_NS;
    }
    this.querier = r.scheduler.after(next, runQuery, this, true);
  }

  /** Group-specific queries after a leave (to the group, 1 s to answer), `left` of them 1 s apart. */
  private lastMemberQueries(lan: Interface, group: Ipv4, left: number): void {
    if (!lan.up || !this.forwardingOn || !this.members.has(lan.name, group)) return;
    lan.transmit(igmpPacket(lan.addresses[0], group, { type: IGMP_QUERY, maxResp: LAST_MEMBER_QUERY_INTERVAL_NS / TENTH_NS, group }));
    if (left > 1) {
      this.router.scheduler.after(LAST_MEMBER_QUERY_INTERVAL_NS, () => this.lastMemberQueries(lan, group, left - 1), undefined, true);
    }
  }

  private iface(name: string): Interface | undefined {
    const r = this.router;
    if (r.lan.name === name) return r.lan;
    if (r.uplink !== null && r.uplink.name === name) return r.uplink;
    return r.interfaces().find((i) => i.name === name);
  }

  private segment(lan: Interface): Interface[] {
    const r = this.router;
    const version = r.segmentVersion;
    const cached = this.segments.get(lan);
    if (cached !== undefined && cached.version === version) return cached.ifaces;
    const ifaces: Interface[] = [];
    for (const h of r.hosts) if (h.eth0.peerInterface === lan) ifaces.push(h.eth0);
    for (const c of r.children) if (c.uplink !== null && c.uplink.peerInterface === lan) ifaces.push(c.uplink);
    this.segments.set(lan, { version, ifaces });
    return ifaces;
  }
}

function runQuery(m: RouterMulticast): void {
  m.query();
}

/** The child router's uplink a routed source lies behind. */
function routedVia(r: Router, src: Ipv4): Interface | undefined {
  const routes = r.routedSubnets;
  for (let i = 0; i < routes.length; i++) if (routes[i].cidr.contains(src)) return routes[i].via;
  return undefined;
}
