// The emulated network: a tree of routers with hosts, one scheduler, one
// seeded random source, one event stream. This is the engine's front door.
import { Cidr, formatIpv4, type Ipv4 } from '../wire/addr.js';
import type { Packet } from '../wire/packet.js';
import { RealClock, VirtualClock, type Clock } from './clock.js';
import type { NetContext } from './context.js';
import { normalizeName, type DnsRecord } from './dns.js';
import { invalid, notFound, VnetError } from './errors.js';
import { DropEvent, EventBus, type EventListener, type NetworkEvent } from './events.js';
import { Host, type ExternalStack } from './host.js';
import type { Interface } from './iface.js';
import { parseMac } from './mac.js';
import { normalizeNat, type NatConfig, type NatOptions } from './nat/config.js';
import { createNat } from './nat/index.js';
import { mappingEvent } from './nat-events.js';
import { Rng } from './rng.js';
import { Router } from './router.js';
import { Scheduler } from './scheduler.js';
import type { DropReason } from './stats.js';
import { parseDuration } from './units.js';
import { FilterRegistry, type FilterInfo } from './filter-registry.js';
import { carveRouted, checkSubnet, recomputeRoutes, uncarveRouted } from './topology-rules.js';
import { checkVlans, chooseLan, claimAddresses, parseAddr, parseCidrOption } from './addressing.js';
import type { Lan } from './router-lans.js';
import { addLanTo, removeLanFrom, type LanOptions } from './network-lans.js';
export type { LanOptions } from './network-lans.js';
import type { FilterChange, FilterSpec } from './filters/spec.js';


import { DEFAULT_MTU } from './iface.js';
import { DEFAULT_QUEUE_SIZE } from './router.js';
import { parseIcmpRatelimit } from './icmp-ratelimit.js';
import { quoteInput } from '../wire/user-input.js';
import type { MulticastOptions, MrouteView } from '../multicast/router-multicast.js';
import { addMroute, cliMember, mcastView, parseGroup, removeMroute, type McastView, type MrouteSpec } from '../multicast/network-api.js';
export { DEFAULT_MTU, DEFAULT_QUEUE_SIZE };
export interface NetworkOptions {
  /** 'virtual' (default: time moves only through advance()) or 'real', or a Clock of your own. */
  clock?: 'virtual' | 'real' | Clock;
  /** Seed for every random choice (loss, jitter, ports). Same seed, same run. Default 1. */
  seed?: number | string;
}

export type NatPreset = 'none' | 'full-cone' | 'restricted-cone' | 'port-restricted' | 'symmetric' | '1to1' | 'linux' | 'linux-random';

export interface RouterOptions {
  name: string;
  cidr: string;
  /** Parent router; omit for the root. */
  parent?: string;
  /** The parent's LAN the uplink attaches to (lan, lan2, ...): default the one holding the first of `ips`, else the first. */
  parentLan?: string;
  /** Uplink addresses in the parent's LAN subnet; one is allocated when omitted. */
  ips?: string[];
  /** LAN address; the first usable address of the subnet when omitted. */
  gateway?: string;
  /** NAT on the uplink: a preset or full options. Children default to port-restricted; the root has none. */
  nat?: NatPreset | NatOptions;
  /** Router-wide delay added to every packet it forwards (pion's MinDelay), e.g. '5ms'. */
  minDelay?: string | number;
  /** Extra random delay up to this much (pion's MaxJitter); order is kept. */
  maxJitter?: string | number;
  /** Packets the router may hold while delaying them; more are dropped (router-queue-full). Default 1024. */
  queueSize?: number;
  mtu?: number;
  /** VLAN IDs on both interfaces, outer first. */
  vlan?: number[];
  mac?: { lan?: string; uplink?: string };
  /** ICMP errors to one destination: one per this long, bursts of 6 (Linux's icmp_ratelimit); 0 = no limit. Default '1s'. */
  icmpRatelimit?: string | number;
  /** Multicast forwarding, its compatibility mode (gvisor or linux) and pending queue size. */
  multicast?: MulticastOptions;
}

export interface HostOptions {
  name: string;
  router: string;
  /** The router's LAN (lan, lan2, ...): default the one holding the first of `ips`, else the first. */
  lan?: string;
  /** Addresses in the LAN's subnet; one is allocated when omitted. */
  ips?: string[];
  mac?: string;
  mtu?: number;
  /** The host's stack is a Linux kernel in a network namespace (attached by the network's `externalStacks`). */
  netns?: boolean;
}

/** Makes the outside stack of a netns host (throws to refuse the host: nothing is added then). */
export type ExternalStackFactory = (host: Host) => ExternalStack;

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** TEST-NET-1 (RFC 5737): documentation addresses, never a real host on the internet. */
const TEST_NET_1 = Cidr.parse('192.0.2.0/24');

/**
 * The root's gateway when none is given: 192.0.2.1 when the root's subnet holds all of TEST-NET-1
 * (the internet, 0.0.0.0/0), so the address traceroute and ICMP errors show is nobody's real one
 * (the first usable address of 0.0.0.0/0 would be 1.0.0.1, a public DNS resolver); else the
 * subnet's first usable address.
 */
export function defaultRootGateway(cidr: Cidr): Ipv4 | undefined {
  return cidr.prefix < TEST_NET_1.prefix && cidr.contains(TEST_NET_1.network) ? TEST_NET_1.network + 1 : undefined;
}

export class Network implements NetContext {
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly events = new EventBus();
  readonly filters: FilterRegistry;
  private readonly routerMap = new Map<string, Router>();
  private readonly hostMap = new Map<string, Host>();
  private rootRouter: Router | null = null;
  /** Attaches the outside stack of each `netns` host as it is added (null: netns hosts get none, as in a scratch copy). */
  externalStacks: ExternalStackFactory | null = null;

  constructor(options: NetworkOptions = {}) {
    const c = options.clock ?? 'virtual';
    this.clock = c === 'virtual' ? new VirtualClock() : c === 'real' ? new RealClock() : c;
    this.scheduler = new Scheduler(this.clock);
    this.scheduler.onTaskError = (err) => this.emit({ type: 'error', time: this.clock.now(), message: String((err as Error)?.stack ?? err) });
    this.rng = new Rng(options.seed ?? 1);
    this.filters = new FilterRegistry(this);
  }

  get root(): Router | null {
    return this.rootRouter;
  }

  get routers(): Router[] {
    return [...this.routerMap.values()];
  }

  get hosts(): Host[] {
    return [...this.hostMap.values()];
  }

  router(name: string): Router {
    const r = this.routerMap.get(name);
    if (!r) throw notFound(`no router named ${quoteInput(name)}; routers: ${[...this.routerMap.keys()].join(', ') || '(none)'}`);
    return r;
  }

  host(name: string): Host {
    const h = this.hostMap.get(name);
    if (!h) throw notFound(`no host named ${quoteInput(name)}; hosts: ${[...this.hostMap.keys()].join(', ') || '(none)'}`);
    return h;
  }

  node(name: string): Router | Host {
    const n = this.routerMap.get(name) ?? this.hostMap.get(name);
    if (!n) throw notFound(`no router or host named ${quoteInput(name)}`);
    return n;
  }

  has(name: string): boolean {
    return this.routerMap.has(name) || this.hostMap.has(name);
  }

  /** An interface by `NODE/IFACE`, or `NODE` for the node's default (eth0; uplink for a child router, lan for the root). */
  iface(name: string): Interface {
    const [nodeName, ifName, extra] = name.split('/');
    if (extra !== undefined) throw invalid(`${quoteInput(name)} is not an interface name; write NODE/IFACE, e.g. home/uplink`);
    const node = this.node(nodeName);
    const wanted = ifName ?? (node.kind === 'host' ? 'eth0' : node.uplink ? 'uplink' : 'lan');
    const found = node.interfaces().find((i) => i.name === wanted);
    if (!found) throw notFound(`${nodeName} has no interface "${wanted}"; it has ${node.interfaces().map((i) => i.name).join(', ')}`);
    return found;
  }

  addRouter(o: RouterOptions): Router {
    this.checkNewName(o.name);
    const cidr = parseCidrOption(o.cidr, `router ${o.name}`);
    const parent = o.parent === undefined ? null : this.router(o.parent);
    if (o.parent === o.name) throw new VnetError('ELOOP', `router ${o.name} cannot be its own parent`);
    if (!parent && this.rootRouter) {
      throw invalid(`router ${o.name} has no --parent, but ${this.rootRouter.name} is already the root; give --parent ${this.rootRouter.name}`);
    }
    const natConfig = this.natFor(o, parent);
    if (!parent && o.parentLan !== undefined) throw invalid(`router ${o.name} has no parent, so no parent LAN ${quoteInput(o.parentLan)}; give --parent or leave the parent LAN out`);
    const parentLan = parent ? chooseLan(parent, o.parentLan, o.ips, `uplink address of ${o.name}`) : undefined;
    if (parent) checkSubnet(o.name, cidr, parent, natConfig);
    const mtu = o.mtu ?? DEFAULT_MTU;
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw invalid(`MTU ${mtu} is not 68-65535 bytes`);
    const vlan = checkVlans(o.vlan);
    const queueSize = o.queueSize ?? DEFAULT_QUEUE_SIZE;
    if (!Number.isInteger(queueSize) || queueSize < 1) throw invalid(`queue size ${queueSize} must be a whole number of packets, at least 1`);
    const lanMac = o.mac?.lan ? parseMac(o.mac.lan) : undefined;
    const uplinkMac = o.mac?.uplink ? parseMac(o.mac.uplink) : undefined;
    parentLan?.macs.check(`${o.name}/uplink`, uplinkMac);
    const icmpRatelimitNs = parseIcmpRatelimit(o.icmpRatelimit);

    // Addresses: gateway on the LAN, uplink addresses in the parent's LAN subnet.
    const uplinkIps = parentLan ? claimAddresses(parentLan, o.ips, `${o.name}/uplink`, `uplink address of ${o.name}`) : [];
    const release = (): void => {
      for (const ip of uplinkIps) parentLan!.allocator.release(ip);
    };
    for (const ip of uplinkIps) {
      if (cidr.contains(ip)) {
        release();
        throw invalid(`uplink address ${formatIpv4(ip)} of ${o.name} lies inside its own subnet ${cidr}; use an address of ${parentLan!.cidr} outside ${cidr}`);
      }
    }
    const r = new Router(o.name, this, {
      cidr, parent, parentLan, gateway: 0, uplinkIps, minDelayNs: parseDuration(o.minDelay ?? 0, 'min-delay'),
      maxJitterNs: parseDuration(o.maxJitter ?? 0, 'max-jitter'), queueSize, mtu,
      lanMac, uplinkMac,
    });
    try {
      const gw = o.gateway !== undefined ? parseAddr(o.gateway, `gateway of ${o.name}`) : undefined;
      if (gw !== undefined) r.allocator.claim(gw, `${o.name}/lan`);
      const rootGateway = gw === undefined && parent === null ? defaultRootGateway(cidr) : undefined;
      if (rootGateway !== undefined) r.allocator.claim(rootGateway, `${o.name}/lan`);
      r.setGateway(r.lans.first, gw ?? rootGateway ?? r.allocator.allocate(`${o.name}/lan`));
    } catch (err) {
      release();
      throw err;
    }
    r.icmpLimiter.intervalNs = icmpRatelimitNs;
    if (o.multicast !== undefined) r.multicast.configure(o.multicast);
    r.lan.vlan = vlan.length > 0 ? Object.freeze(vlan) : r.lan.vlan;
    if (r.uplink) r.uplink.vlan = r.lan.vlan;
    if (parent) {
      if (natConfig === null) carveRouted(parent, cidr);
      parent.children.push(r);
      parent.attach(r.uplink!);
    } else {
      this.rootRouter = r;
    }
    this.routerMap.set(r.name, r);
    r.lans.first.macs.add(r.lan.fullName, lanMac);
    parentLan?.macs.add(r.uplink!.fullName, uplinkMac);
    this.installNat(r, natConfig);
    recomputeRoutes(this.routerMap.values());
    this.emit({ type: 'node-added', time: this.clock.now(), kind: 'router', name: r.name });
    return r;
  }

  addHost(o: HostOptions): Host {
    this.checkNewName(o.name);
    const r = this.router(o.router);
    const lan = chooseLan(r, o.lan, o.ips, `address of ${o.name}`);
    const mtu = o.mtu ?? lan.iface.mtu;
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw invalid(`MTU ${mtu} is not 68-65535 bytes`);
    const mac = o.mac ? parseMac(o.mac) : undefined;
    lan.macs.check(`${o.name}/eth0`, mac);
    const ips = claimAddresses(lan, o.ips, o.name, `address of ${o.name}`);
    const h = new Host(o.name, this, lan, r.name, ips, lan.cidr, mac, mtu);
    h.eth0.vlan = lan.iface.vlan;
    if (o.netns === true) {
      h.netns = true;
      try {
        if (this.externalStacks !== null) h.stack = this.externalStacks(h);
      } catch (err) {
        for (const ip of ips) lan.allocator.release(ip);
        throw err;
      }
    }
    r.attach(h.eth0);
    r.hosts.push(h);
    this.hostMap.set(h.name, h);
    lan.macs.add(h.eth0.fullName, mac);
    this.emit({ type: 'node-added', time: this.clock.now(), kind: 'host', name: h.name });
    return h;
  }

  /** Removes a host, or a router with everything below it. Returns the names removed. Packets in flight to them are dropped. */
  remove(name: string): string[] {
    const host = this.hostMap.get(name);
    if (host) return [this.removeHost(host)];
    const r = this.router(name);
    const removed: string[] = [];
    for (const c of [...r.children]) removed.push(...this.remove(c.name));
    for (const h of [...r.hosts]) removed.push(this.removeHost(h));
    for (const i of r.interfaces()) this.filters.dropInterface(i);
    const p = r.parent;
    if (p) {
      const pl = r.parentLan!;
      pl.macs.delete(r.uplink!);
      p.detach(r.uplink!);
      p.children.splice(p.children.indexOf(r), 1);
      for (const ip of r.uplink!.addresses) pl.allocator.release(ip);
      for (const l of r.lans.list) uncarveRouted(p, l.cidr);
    } else {
      this.rootRouter = null;
    }
    r.shutdown();
    this.routerMap.delete(name);
    recomputeRoutes(this.routerMap.values());
    this.emit({ type: 'node-removed', time: this.clock.now(), kind: 'router', name });
    removed.push(name);
    return removed;
  }

  /**
   * Changes a router's NAT at run time. A change of mapping or filtering behaviour, or of kind
   * (NAPT, 1:1, none), starts an empty table, as flushing conntrack would; other changes keep live mappings.
   */
  setNat(routerName: string, options: NatPreset | NatOptions): NatConfig | null {
    const r = this.router(routerName);
    return this.setNatConfig(routerName, normalizeNat(typeof options === 'string' ? { preset: options } : options, r.natConfig ?? undefined));
  }

  /** Gives a router exactly this NAT (null: none), as `normalizeNat` makes it; what `setNat` does after merging options. */
  setNatConfig(routerName: string, next: NatConfig | null): NatConfig | null {
    const r = this.router(routerName);
    if (!r.parent) throw invalid(`${r.name} is the root router; the root has no NAT`);
    if ((next === null) !== (r.natConfig === null)) {
      // Turning NAT on or off changes routing: only allowed while nothing routed hangs below.
      for (const l of r.lans.list) checkSubnet(r.name, l.cidr, r.parent, next, r);
    }
    const sameBehaviour = next !== null && r.natConfig !== null && next.mode === r.natConfig.mode &&
      next.mapping === r.natConfig.mapping && next.filtering === r.natConfig.filtering;
    if (sameBehaviour && r.nat) {
      // Timers, hairpinning, port policy: live mappings stay.
      r.nat.setConfig(next!);
      r.natConfig = next;
    } else {
      this.installNat(r, next);
    }
    // A routed (non-NAT) subnet inside the parent's is carved out of the parent's allocation.
    for (const l of r.lans.list) {
      uncarveRouted(r.parent, l.cidr);
      if (next === null) carveRouted(r.parent, l.cidr);
    }
    recomputeRoutes(this.routerMap.values());
    return next;
  }

  /**
   * Gives a child router new uplink addresses (a new lease from its ISP): claimed in the parent's
   * subnet, the old ones released. Its NAT starts an empty table on them (the old mappings name
   * addresses the router no longer has), as a reconnecting gateway's would. Emits 'uplink-changed'.
   */
  setUplinkIps(routerName: string, ips: string[]): Ipv4[] {
    const r = this.router(routerName);
    const parent = r.parent;
    const up = r.uplink;
    const parentLan = r.parentLan;
    if (parent === null || up === null || parentLan === null) throw invalid(`${r.name} is the root router and has no uplink; change a child router's addresses`);
    if (ips.length === 0) throw invalid(`give ${r.name} at least one uplink address`);
    const next = ips.map((t) => parseAddr(t, `uplink address of ${r.name}`));
    if (new Set(next).size !== next.length) throw invalid(`an uplink address of ${r.name} is given twice; give each once`);
    for (const ip of next) {
      const own = r.lans.list.find((l) => l.cidr.contains(ip));
      if (own) throw invalid(`uplink address ${formatIpv4(ip)} of ${r.name} lies inside its own subnet ${own.cidr}; use an address of ${parentLan.cidr} outside it`);
    }
    const before = up.addresses;
    const beforeNat = r.nat;
    parent.detach(up);
    for (const ip of before) parentLan.allocator.release(ip);
    const claimed: Ipv4[] = [];
    try {
      for (const ip of next) {
        parentLan.allocator.claim(ip, `${r.name}/uplink`);
        claimed.push(ip);
      }
      up.addresses = next;
      if (r.natConfig !== null) {
        r.nat = createNat(r.natConfig, next, this.scheduler, this.rng.fork(`nat:${r.name}`), (e) => {
          if (this.events.active) this.events.emit(mappingEvent(r.name, e));
        });
      }
    } catch (err) {
      for (const ip of claimed) parentLan.allocator.release(ip);
      for (const ip of before) parentLan.allocator.claim(ip, `${r.name}/uplink`);
      up.addresses = before;
      parent.attach(up);
      throw err;
    }
    beforeNat?.dispose();
    parent.attach(up);
    recomputeRoutes(this.routerMap.values());
    this.emit({ type: 'uplink-changed', time: this.clock.now(), router: r.name, ips: next.map(formatIpv4) });
    return next;
  }

  /**
   * Gives a router another LAN interface with its own subnet (lan2, lan3, ... unless named). The subnet may
   * overlap nothing: the router's other LANs, what is below it, and (by the parent's rules) what is above.
   */
  addLan(o: LanOptions): Lan {
    return addLanTo(this, o);
  }

  /**
   * Takes a LAN interface (not the first) from a router, with the hosts and child routers on it and
   * everything below them. Returns the names of the nodes removed.
   */
  removeLan(routerName: string, name: string): string[] {
    return removeLanFrom(this, routerName, name);
  }

  /** Registers a name, visible from hosts below `router` (default: the root, so everywhere). */
  addName(name: string, ip: string, router?: string): DnsRecord {
    const r = router !== undefined ? this.router(router) : this.rootRouter;
    if (!r) throw invalid('add a root router before adding names');
    const n = normalizeName(name);
    const addr = parseAddr(ip, `address for ${name}`);
    r.names.add(n, addr);
    return { name: n, ip: formatIpv4(addr), router: r.name, auto: false };
  }

  removeName(name: string, router?: string): boolean {
    const n = normalizeName(name);
    const list = router !== undefined ? [this.router(router)] : this.routers;
    let removed = false;
    for (const r of list) removed = r.names.remove(n) || removed;
    return removed;
  }

  names(): DnsRecord[] {
    const auto = this.hosts.map((h) => ({ name: h.name.toLowerCase(), ip: h.ip, router: h.routerName, auto: true }));
    return [...this.routers.flatMap((r) => r.names.entries(r.name)), ...auto].sort((a, b) => a.name.localeCompare(b.name) || a.router.localeCompare(b.router));
  }

  /** Adds an impairment filter to an interface (`NODE/IFACE`); see FilterSpec. */
  addFilter(ifaceName: string, spec: FilterSpec): FilterInfo {
    return this.filters.add(ifaceName, spec);
  }

  /** Changes a filter at run time, keeping its id and place: options given replace its own, `null` removes one, the rest stay. */
  changeFilter(id: number, change: FilterChange): FilterInfo {
    return this.filters.change(id, change);
  }

  removeFilter(id: number): FilterInfo {
    return this.filters.remove(id);
  }

  on(listener: EventListener): () => void {
    return this.events.on(listener);
  }

  emit(e: NetworkEvent): void {
    if (this.events.active) this.events.emit(e);
  }

  hostNamed(name: string): Host | undefined {
    return this.hostMap.get(name);
  }

  reportDrop(iface: Interface, pkt: Packet, reason: DropReason): void {
    this.emit(new DropEvent(this.clock.now(), iface.fullName, reason, pkt));
  }

  /** Virtual clock: moves time forward (`'2m'`, `'250ms'`, or milliseconds), running everything due in order. */
  advance(d: string | number): number {
    return this.scheduler.advance(parseDuration(d));
  }

  /** Virtual clock: runs until nothing is scheduled (at most `limit` of virtual time, default 24 h). */
  runUntilIdle(limit?: string | number): number {
    return this.scheduler.runUntilIdle(limit === undefined ? undefined : parseDuration(limit));
  }

  /** Runs what is due now (either clock). */
  runDue(): number {
    return this.scheduler.runDue();
  }

  /** Engine time in nanoseconds since the clock's origin. */
  now(): number {
    return this.clock.now();
  }

  // Multicast (src/multicast/): routes per router, group memberships.

  /** Installs (or replaces) an (S,G) route on a router; forwarding is turned on if it was off (as smcroute does), and queued packets flow. */
  addMroute(spec: MrouteSpec): MrouteView {
    return addMroute(this.router(spec.router), spec);
  }

  /** Removes one (S,G) route; false when there was none. */
  removeMroute(router: string, source: string, group: string): boolean {
    return removeMroute(this.router(router), source, group);
  }

  /** Removes every installed route of a router (pending ones stay); returns how many. */
  removeAllMroutes(router: string): number {
    const r = this.router(router);
    return r.hasMulticast ? r.multicast.removeAllRoutes() : 0;
  }

  /** Installed and pending routes of one router, or of all. */
  mroutes(router?: string): MrouteView[] {
    const rs = router === undefined ? this.routers : [this.router(router)];
    return rs.flatMap((r) => (r.hasMulticast ? r.multicast.routes() : []));
  }

  /** Changes a router's multicast settings (forwarding, compat, pending queue size). */
  setMulticast(router: string, o: MulticastOptions): void {
    this.router(router).multicast.configure(o);
  }

  /** A host (or router) joins a group as `vnet mcast join` does: an IGMP report goes out; false when it had joined already. */
  joinGroup(node: string, group: string): boolean {
    const n = this.node(node);
    return n.joinGroup(cliMember(n), parseGroup(group), 0);
  }

  /** Leaves what joinGroup joined (a leave goes out when no socket holds the group); false when it had not. */
  leaveGroup(node: string, group: string): boolean {
    const n = this.node(node);
    return n.dropGroup(cliMember(n), parseGroup(group));
  }

  /** Groups nodes joined, and members routers learnt from IGMP; of one node or all. */
  memberships(node?: string): McastView {
    return mcastView(node === undefined ? [...this.routers, ...this.hosts] : [this.node(node)]);
  }

  /** Stops everything: sockets close, NAT timers stop, queued packets are dropped. */
  close(): void {
    if (this.rootRouter) this.remove(this.rootRouter.name);
    for (const r of [...this.routerMap.values()]) this.remove(r.name);
    this.scheduler.stop();
  }

  private removeHost(h: Host): string {
    const r = this.router(h.routerName);
    const lan = h.attachment as Lan;
    for (const i of h.interfaces()) this.filters.dropInterface(i);
    r.detach(h.eth0);
    lan.macs.delete(h.eth0);
    r.hosts.splice(r.hosts.indexOf(h), 1);
    for (const ip of h.addresses) lan.allocator.release(ip);
    h.shutdown();
    this.hostMap.delete(h.name);
    this.emit({ type: 'node-removed', time: this.clock.now(), kind: 'host', name: h.name });
    return h.name;
  }

  private checkNewName(name: string): void {
    if (typeof name !== 'string' || !NODE_NAME.test(name)) {
      throw invalid(`${quoteInput(name)} is not a valid node name; use letters, digits, '-', '_' and '.', starting with a letter or digit`);
    }
    if (this.has(name)) throw new VnetError('EEXIST', `a node named ${quoteInput(name)} already exists; pick another name or remove it first`);
  }

  private natFor(o: RouterOptions, parent: Router | null): NatConfig | null {
    const nat = o.nat ?? (parent ? 'port-restricted' : 'none');
    const cfg = normalizeNat(typeof nat === 'string' ? { preset: nat } : nat);
    if (!parent && cfg !== null) throw invalid(`router ${o.name} is the root and cannot have a NAT; give it a --parent or use --nat none`);
    return cfg;
  }

  private installNat(r: Router, cfg: NatConfig | null): void {
    r.nat?.dispose();
    r.natConfig = cfg;
    r.nat = cfg === null ? null : createNat(cfg, r.uplink!.addresses, this.scheduler, this.rng.fork(`nat:${r.name}`), (e) => {
      if (this.events.active) this.events.emit(mappingEvent(r.name, e));
    });
  }
}
