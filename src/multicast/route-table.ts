// The multicast route table of one router, with gVisor's RouteTable semantics
// (pkg/tcpip/network/internal/multicast): (S,G) keys, installed routes with a
// last-used time that only moves forward, pending routes holding the first few
// packets of an unknown (S,G) until a route is installed or 10 s pass (swept
// every 10 s on the engine clock). Nothing here forwards: the caller does.
import type { Ipv4 } from '../wire/addr.js';
import type { Scheduler, Task } from '../engine/scheduler.js';

/** gVisor's DefaultMaxPendingQueueSize; Linux ipmr holds 4 (see LINUX_PENDING_QUEUE_SIZE). */
export const DEFAULT_PENDING_QUEUE_SIZE = 3;
export const LINUX_PENDING_QUEUE_SIZE = 4;
/**
 * Pending routes held at once (vnet's bound; gVisor has none): beyond it a packet of a new (S,G) is refused
 * like one beyond a full queue, without an event. Linux ipmr holds 10 unresolved entries.
 */
export const DEFAULT_MAX_PENDING_ROUTES = 1024;
export const LINUX_MAX_PENDING_ROUTES = 10;
/** A pending route lives 10 s from its creation (DefaultPendingRouteExpiration). */
export const PENDING_ROUTE_EXPIRATION_NS = 10_000_000_000;
/** The sweep of expired pending routes runs every 10 s while any exist (DefaultCleanupInterval). */
export const CLEANUP_INTERVAL_NS = 10_000_000_000;

/** One outgoing interface of a route: its name and the TTL a packet needs to leave by it. */
export interface OutgoingInterface {
  iface: string;
  /** gVisor mode: forwarded when TTL >= minTtl (0: everything). Linux mode: forwarded when TTL > minTtl (ipmr's threshold). */
  minTtl: number;
}

export interface MulticastRoute {
  /** The interface (S,G) packets must arrive on (the RPF check). */
  iif: string;
  oifs: OutgoingInterface[];
}

/** An installed route with its counters. */
export class InstalledRoute implements MulticastRoute {
  readonly iif: string;
  readonly oifs: OutgoingInterface[];
  packets = 0;
  bytes = 0;
  wrongIif = 0;
  /** When the last mroute-wrong-iif event of this route went out (Linux sends one per 3 s). */
  lastWrongIifEventNs = -Infinity;
  private lastUsed: number;

  constructor(route: MulticastRoute, now: number) {
    this.iif = route.iif;
    this.oifs = route.oifs.map((o) => ({ iface: o.iface, minTtl: o.minTtl }));
    this.lastUsed = now;
  }

  get lastUsedNs(): number {
    return this.lastUsed;
  }

  /** Moves the last-used time forward; an earlier time is ignored (gVisor's SetLastUsedTimestamp). */
  setLastUsed(t: number): void {
    if (t > this.lastUsed) this.lastUsed = t;
  }
}

/** A pending route: the packets queued for an (S,G) nobody has installed yet. */
export interface PendingRoute<P> {
  readonly createdNs: number;
  readonly expiresNs: number;
  readonly packets: P[];
  /** Packets refused because the queue was full (beyond gVisor: `mroute ls` shows it). */
  overflow: number;
}

export type LookupResult<P> =
  | { state: 'installed'; route: InstalledRoute }
  | { state: 'pending-inserted'; pending: PendingRoute<P> }
  | { state: 'queued'; pending: PendingRoute<P> }
  | { state: 'queue-full'; pending: PendingRoute<P> | undefined };

/** (S,G) as one number key: exact for any pair of IPv4 addresses (2^64 > 2^53, so a string is used). */
export function routeKey(source: Ipv4, group: Ipv4): string {
  return `${source >>> 0},${group >>> 0}`;
}

export interface RouteTableOptions<P> {
  scheduler: Scheduler;
  maxPendingQueueSize?: number;
  maxPendingRoutes?: number;
  /** Told about each pending route the sweep removes, with its packets (they are dropped). */
  onExpired?: (source: Ipv4, group: Ipv4, pending: PendingRoute<P>) => void;
}

interface Keyed<T> {
  source: Ipv4;
  group: Ipv4;
  value: T;
}

export class MulticastRouteTable<P> {
  readonly scheduler: Scheduler;
  maxPendingQueueSize: number;
  maxPendingRoutes: number;
  private readonly onExpired: ((source: Ipv4, group: Ipv4, pending: PendingRoute<P>) => void) | undefined;
  private readonly installed = new Map<string, Keyed<InstalledRoute>>();
  private readonly pending = new Map<string, Keyed<PendingRoute<P>>>();
  private cleanupTask: Task | undefined;

  constructor(o: RouteTableOptions<P>) {
    this.scheduler = o.scheduler;
    this.maxPendingQueueSize = o.maxPendingQueueSize ?? DEFAULT_PENDING_QUEUE_SIZE;
    this.maxPendingRoutes = o.maxPendingRoutes ?? DEFAULT_MAX_PENDING_ROUTES;
    this.onExpired = o.onExpired;
  }

  /** The installed route of (S,G), if any (no side effects). */
  get(source: Ipv4, group: Ipv4): InstalledRoute | undefined {
    return this.installed.get(routeKey(source, group))?.value;
  }

  /** gVisor's GetRouteOrInsertPending: the installed route, or the packet queued in a (new) pending route, or refused when that queue is full. */
  lookupOrQueue(source: Ipv4, group: Ipv4, pkt: P): LookupResult<P> {
    const key = routeKey(source, group);
    const r = this.installed.get(key);
    if (r !== undefined) return { state: 'installed', route: r.value };
    const found = this.pending.get(key);
    if (found === undefined) {
      if (this.pending.size >= this.maxPendingRoutes) return { state: 'queue-full', pending: undefined };
      const now = this.scheduler.now();
      const pending: PendingRoute<P> = { createdNs: now, expiresNs: now + PENDING_ROUTE_EXPIRATION_NS, packets: [pkt], overflow: 0 };
      this.pending.set(key, { source, group, value: pending });
      this.armCleanup();
      return { state: 'pending-inserted', pending };
    }
    const p = found.value;
    if (p.packets.length >= this.maxPendingQueueSize) {
      p.overflow++;
      return { state: 'queue-full', pending: p };
    }
    p.packets.push(pkt);
    return { state: 'queued', pending: p };
  }

  /**
   * gVisor's AddInstalledRoute: installs or overwrites (S,G)'s route (last used = now) and removes its pending
   * route, returning the queued packets unless that pending route had expired (then they are dropped: `expired`).
   */
  install(source: Ipv4, group: Ipv4, route: MulticastRoute): { route: InstalledRoute; released: P[]; expired: P[] } {
    const key = routeKey(source, group);
    const now = this.scheduler.now();
    const installed = new InstalledRoute(route, now);
    this.installed.set(key, { source, group, value: installed });
    const p = this.pending.get(key);
    if (p === undefined) return { route: installed, released: [], expired: [] };
    this.pending.delete(key);
    if (now > p.value.expiresNs) return { route: installed, released: [], expired: p.value.packets };
    return { route: installed, released: p.value.packets, expired: [] };
  }

  /** Removes (S,G)'s installed route (pending routes stay); true when there was one. */
  remove(source: Ipv4, group: Ipv4): boolean {
    return this.installed.delete(routeKey(source, group));
  }

  /** Removes every installed route (pending routes stay); returns how many there were. */
  removeAll(): number {
    const n = this.installed.size;
    this.installed.clear();
    return n;
  }

  /** The last-used time of an installed route (gVisor's GetLastUsedTimestamp). */
  lastUsed(source: Ipv4, group: Ipv4): number | undefined {
    return this.get(source, group)?.lastUsedNs;
  }

  /** The pending route of (S,G), if any. */
  pendingRoute(source: Ipv4, group: Ipv4): PendingRoute<P> | undefined {
    return this.pending.get(routeKey(source, group))?.value;
  }

  installedRoutes(): { source: Ipv4; group: Ipv4; route: InstalledRoute }[] {
    return [...this.installed.values()].map((e) => ({ source: e.source, group: e.group, route: e.value }));
  }

  pendingRoutes(): { source: Ipv4; group: Ipv4; pending: PendingRoute<P> }[] {
    return [...this.pending.values()].map((e) => ({ source: e.source, group: e.group, pending: e.value }));
  }

  /** Stops the sweep and drops every pending packet (gVisor's Close). */
  close(): void {
    this.scheduler.cancel(this.cleanupTask);
    this.cleanupTask = undefined;
    this.pending.clear();
  }

  /** The sweep: removes pending routes past their expiration (strictly), re-arms while any remain. */
  cleanup(): void {
    this.cleanupTask = undefined;
    const now = this.scheduler.now();
    for (const [key, e] of this.pending) {
      if (now > e.value.expiresNs) {
        this.pending.delete(key);
        this.onExpired?.(e.source, e.group, e.value);
      }
    }
    this.armCleanup();
  }

  private armCleanup(): void {
    if (this.cleanupTask !== undefined || this.pending.size === 0) return;
    // Weak: the sweep alone never keeps time moving (runUntilIdle) or a process alive.
    this.cleanupTask = this.scheduler.after(CLEANUP_INTERVAL_NS, sweep, this, true);
  }
}

function sweep<P>(t: MulticastRouteTable<P>): void {
  t.cleanup();
}
