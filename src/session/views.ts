// JSON views of engine objects, as `--json` prints them and the daemon sends them.
// Conventions (README "JSON output"): times and durations are integer nanoseconds in fields named
// `...Ns` (`timeNs` for a moment on the session clock); a datagram's payload length is `size` (bytes);
// addresses are text ("IP" or "IP:PORT"); no text duplicates of numbers.
import { formatIpv4 } from '../wire/addr.js';
import type {
  CaptureEvent, DropEvent, ErrorEvent, FilterEvent, MappingEvent, MembershipEvent, MrouteEvent, NetworkEvent, NodeEvent, ServiceEvent, UplinkEvent,
} from '../engine/events.js';
import type { Host } from '../engine/host.js';
import type { Interface } from '../engine/iface.js';
import { formatMac } from '../engine/mac.js';
import { describeNat, type NatConfig } from '../engine/nat/config.js';
import type { Router } from '../engine/router.js';
import type { Lan } from '../engine/router-lans.js';

export { mappingView, type MappingView } from '../engine/nat/view.js';

export interface InterfaceView {
  name: string;
  addresses: string[];
  mac: string;
  mtu: number;
  vlan: number[];
  stats: ReturnType<Interface['stats']['toJSON']>;
}

/** A router's NAT settings (NatConfig with addresses as text). */
export type NatConfigView = Omit<NatConfig, 'pairs' | 'portRange'> & { portRange: [number, number]; pairs: [string, string][] };

/** One LAN interface of a router: its subnet, the router's address there, and what is on it. */
export interface LanView {
  /** The interface's name on the router: lan (the first), lan2, ... */
  name: string;
  cidr: string;
  gateway: string;
  mac: string;
  vlan: number[];
  hosts: string[];
  children: string[];
}

export interface RouterView {
  name: string;
  /** The first LAN's subnet (`lans` lists all of them). */
  cidr: string;
  parent: string | null;
  /** The parent's LAN the uplink is on (lan, lan2, ...); null for the root. */
  parentLan: string | null;
  /** The router's address on its first LAN. */
  gateway: string;
  uplink: string[];
  /** The NAT in one line ("port-restricted (EIM/APDF) hairpin lifetime 5m"), or "none". */
  nat: string;
  natConfig: NatConfigView | null;
  minDelayNs: number;
  maxJitterNs: number;
  queueSize: number;
  /** ICMP errors to one destination: one per this many ns (0: no limit); `icmpLimited` were held back. */
  icmpRatelimitNs: number;
  icmpLimited: number;
  children: string[];
  hosts: string[];
  /** Every LAN, the first first. */
  lans: LanView[];
  interfaces: InterfaceView[];
  /** Multicast forwarding, when the router has it on (or settings other than the defaults). */
  multicast?: { forwarding: boolean; compat: 'gvisor' | 'linux'; pendingQueueSize: number; routes: number };
}

export interface HostView {
  name: string;
  router: string;
  /** The router's LAN the host is on (lan, lan2, ...). */
  lan: string;
  ips: string[];
  interfaces: InterfaceView[];
  sockets: { address: string; port: number }[];
  /** A netns host's namespace (`vnet exec`/`vnet shell` run there); null while none is attached. */
  netns?: string | null;
  /** Multicast groups the host is in (by socket or `mcast join`), when any. */
  groups?: string[];
}

type WithTimeNs<E> = E extends unknown ? Omit<E, 'time'> & { timeNs: number } : never;
/** A network event as JSON: the engine's event with its time as `timeNs` (a drop's packet as text). */
export type EventView = WithTimeNs<MappingEvent | ReturnType<DropEvent['toJSON']> | NodeEvent | FilterEvent | ErrorEvent | CaptureEvent
  | MrouteEvent | MembershipEvent | UplinkEvent | ServiceEvent>;

export function interfaceView(i: Interface): InterfaceView {
  return { name: i.fullName, addresses: i.addresses.map(formatIpv4), mac: formatMac(i.mac), mtu: i.mtu, vlan: [...i.vlan], stats: i.stats.toJSON() };
}

export function natConfigView(c: NatConfig): NatConfigView {
  return { ...c, portRange: [c.portRange[0], c.portRange[1]], pairs: c.pairs.map(([e, i]) => [formatIpv4(e), formatIpv4(i)]) };
}

export function lanView(r: Router, l: Lan): LanView {
  return {
    name: l.name, cidr: l.cidr.toString(), gateway: formatIpv4(l.gateway), mac: formatMac(l.iface.mac), vlan: [...l.iface.vlan],
    hosts: r.hosts.filter((h) => h.attachment === l).map((h) => h.name),
    children: r.children.filter((c) => c.parentLan === l).map((c) => c.name),
  };
}

export function routerView(r: Router): RouterView {
  return {
    name: r.name,
    cidr: r.cidr.toString(),
    parent: r.parent?.name ?? null,
    parentLan: r.parentLan?.name ?? null,
    gateway: formatIpv4(r.gateway),
    uplink: r.uplink ? r.uplink.addresses.map(formatIpv4) : [],
    nat: r.natConfig ? describeNat(r.natConfig) : 'none',
    natConfig: r.natConfig ? natConfigView(r.natConfig) : null,
    minDelayNs: r.minDelayNs,
    maxJitterNs: r.maxJitterNs,
    queueSize: r.queueSize,
    icmpRatelimitNs: r.icmpLimiter.intervalNs,
    icmpLimited: r.icmpLimiter.limitedPerDestination + r.icmpLimiter.limitedGlobal,
    children: r.children.map((c) => c.name),
    hosts: r.hosts.map((h) => h.name),
    lans: r.lans.list.map((l) => lanView(r, l)),
    interfaces: r.interfaces().map(interfaceView),
    ...(r.hasMulticast && r.multicast.options() !== undefined ? {
      multicast: {
        forwarding: r.multicast.forwarding, compat: r.multicast.compat, pendingQueueSize: r.multicast.pendingQueueSize,
        routes: r.multicast.table.installedRoutes().length,
      },
    } : {}),
  };
}

export function hostView(h: Host): HostView {
  return {
    name: h.name,
    router: h.routerName,
    lan: h.attachment.name,
    ips: h.addresses.map(formatIpv4),
    interfaces: [interfaceView(h.eth0)],
    sockets: h.ports.sockets().filter((s) => !s.closed).map((s) => s.address()),
    ...(h.netns ? { netns: h.stack?.name ?? null } : {}),
    ...(h.groups !== null && h.groups.size > 0 ? { groups: h.groups.list().map((g) => g.group) } : {}),
  };
}

/** `e` as `vnet events --json` prints it: `timeNs` instead of `time` (a drop's packet as text). */
export function eventView(e: NetworkEvent): EventView {
  const { time, ...rest } = e.type === 'drop' ? e.toJSON() : e;
  return { ...rest, timeNs: time } as EventView;
}
