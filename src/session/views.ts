// JSON views of engine objects, as `--json` prints them and the daemon sends them.
import { formatIpv4 } from '../wire/addr.js';
import type { Host } from '../engine/host.js';
import type { Interface } from '../engine/iface.js';
import { formatMac } from '../engine/mac.js';
import { describeNat } from '../engine/nat/config.js';
import type { NatMapping } from '../engine/nat/mapping.js';
import type { Router } from '../engine/router.js';
import { protoName } from '../engine/describe.js';
import { formatDuration } from '../engine/units.js';

export interface InterfaceView {
  name: string;
  addresses: string[];
  mac: string;
  mtu: number;
  vlan: number[];
  stats: ReturnType<Interface['stats']['toJSON']>;
}

export interface RouterView {
  name: string;
  cidr: string;
  parent: string | null;
  gateway: string;
  uplink: string[];
  nat: string;
  natConfig: unknown;
  minDelay: string;
  maxJitter: string;
  queueSize: number;
  children: string[];
  hosts: string[];
  interfaces: InterfaceView[];
}

export interface HostView {
  name: string;
  router: string;
  ips: string[];
  interfaces: InterfaceView[];
  sockets: { address: string; port: number }[];
}

export interface MappingView {
  id: number;
  proto: string;
  internal: string;
  external: string;
  remote?: string;
  explicit: boolean;
  /** Seconds until expiry (null: never). */
  expiresIn: number | null;
  packetsOut: number;
  packetsIn: number;
}

export function interfaceView(i: Interface): InterfaceView {
  return { name: i.fullName, addresses: i.addresses.map(formatIpv4), mac: formatMac(i.mac), mtu: i.mtu, vlan: [...i.vlan], stats: i.stats.toJSON() };
}

export function routerView(r: Router): RouterView {
  return {
    name: r.name,
    cidr: r.cidr.toString(),
    parent: r.parent?.name ?? null,
    gateway: formatIpv4(r.gateway),
    uplink: r.uplink ? r.uplink.addresses.map(formatIpv4) : [],
    nat: r.natConfig ? describeNat(r.natConfig) : 'none',
    natConfig: r.natConfig ? { ...r.natConfig, lifetime: formatDuration(r.natConfig.lifetimeNs) } : null,
    minDelay: formatDuration(r.minDelayNs),
    maxJitter: formatDuration(r.maxJitterNs),
    queueSize: r.queueSize,
    children: r.children.map((c) => c.name),
    hosts: r.hosts.map((h) => h.name),
    interfaces: r.interfaces().map(interfaceView),
  };
}

export function hostView(h: Host): HostView {
  return {
    name: h.name,
    router: h.routerName,
    ips: h.addresses.map(formatIpv4),
    interfaces: [interfaceView(h.eth0)],
    sockets: h.ports.sockets().filter((s) => !s.closed).map((s) => s.address()),
  };
}

export function mappingView(m: NatMapping, now: number): MappingView {
  const v: MappingView = {
    id: m.id,
    proto: protoName(m.proto),
    internal: `${formatIpv4(m.internalIp)}:${m.internalPort}`,
    external: `${formatIpv4(m.externalIp)}:${m.externalPort}`,
    explicit: m.explicit,
    expiresIn: Number.isFinite(m.expiresAt) ? Math.max(0, (m.expiresAt - now) / 1e9) : null,
    packetsOut: m.packetsOut,
    packetsIn: m.packetsIn,
  };
  if (m.remoteIp !== undefined) v.remote = m.remotePort !== undefined ? `${formatIpv4(m.remoteIp)}:${m.remotePort}` : formatIpv4(m.remoteIp);
  return v;
}
