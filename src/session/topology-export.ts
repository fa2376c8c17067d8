// A live network written down as a Topology: everything the commands can build, in creation
// order, defaults left out, addresses explicit so applying it again gives the same addresses.
import { DEFAULT_ICMP_RATELIMIT_NS } from '../engine/icmp-ratelimit.js';
import { relative } from 'node:path';
import { formatIpv4, parseIpv4 } from '../wire/addr.js';
import type { CaptureInfo } from '../capture/capture.js';
import { MAX_SNAPLEN } from '../capture/formats.js';
import { SubnetAllocator } from '../engine/allocator.js';
import type { Host } from '../engine/host.js';
import type { Interface } from '../engine/iface.js';
import { deriveMac, formatMac } from '../engine/mac.js';
import { defaultBurstBytes, filterSpecOf, linkHeaderBytes, type NormalizedFilter } from '../engine/filters/spec.js';
import { DEFAULT_NAT, normalizeNat, type NatConfig, type NatOptions, type NatPresetName } from '../engine/nat/config.js';
import { DEFAULT_MTU, DEFAULT_QUEUE_SIZE, defaultRootGateway, type Network } from '../engine/network.js';
import type { Router } from '../engine/router.js';
import { gatewayServices } from '../services/registry.js';
import { FIRST_LAN, type Lan } from '../engine/router-lans.js';
import { DEFAULT_MIN_TTL } from '../multicast/network-api.js';
import { formatDurationOneUnit, formatRate, formatSize, parseDuration } from '../engine/units.js';
import type { DnsDoc, FilterDoc, HostDoc, LanDoc, RouterDoc, Topology } from './topology-schema.js';
import { stunServersIfAny } from '../services/stun-registry.js';


export interface ExportOptions {
  clock?: 'virtual' | 'real';
  seed?: number;
  /** The session's captures; running ones with a file are written out (streams are not). */
  captures?: readonly Pick<CaptureInfo, 'ifaces' | 'file' | 'format' | 'snaplen' | 'withDrops' | 'state'>[];
  /** Capture files are written relative to this directory (where the topology file goes); absolute when left out. */
  baseDir?: string;
}

/** The network as a topology that `applyTopology` turns back into the same network. */
export function exportTopology(net: Network, opts: ExportOptions = {}): Topology {
  const topo: Topology = {
    version: 1,
    ...(opts.clock !== undefined ? { clock: opts.clock } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    routers: net.routers.map(routerDoc),
    // A STUN server's host is written as its `stun:` entry.
    hosts: net.hosts.filter((h) => !stunServersIfAny(net)?.has(h.name)).map(hostDoc),
    filters: [],
    dns: [],
    captures: [],
  };
  for (const f of net.filters.list()) {
    const iface = net.iface(f.iface);
    topo.filters.push(filterDoc(f.iface, f.spec, iface.mtu, linkHeaderBytes(iface.vlan.length)));
  }
  for (const c of opts.captures ?? []) {
    if (c.state !== 'running' || c.file === null) continue;
    // Left out: the format its extension implies, the snaplen a capture gets when none is given (the most).
    const byExtension = c.file.endsWith('.pcap') ? 'pcap' : 'pcapng';
    topo.captures.push({
      on: [...c.ifaces],
      file: opts.baseDir === undefined ? c.file : relative(opts.baseDir, c.file) || '.',
      ...(c.format !== byExtension ? { format: c.format } : {}),
      ...(c.snaplen !== MAX_SNAPLEN ? { snaplen: c.snaplen } : {}),
      ...(c.withDrops ? { withDrops: true } : {}),
    });
  }
  const stun = stunServersIfAny(net)?.docs() ?? [];
  if (stun.length > 0) topo.stun = stun;
  const mroutes = net.mroutes().filter((m) => m.state === 'resolved');
  if (mroutes.length > 0) {
    topo.mroutes = mroutes.map((m) => ({
      router: m.router, source: m.source, group: m.group, in: m.iif, out: m.oifs.map((o) => (o.minTtl === DEFAULT_MIN_TTL ? o.iface : `${o.iface}:${o.minTtl}`)),
    }));
  }
  const joined = net.memberships().joined.filter((j) => j.cli);
  if (joined.length > 0) topo.memberships = joined.map((j) => ({ host: j.node, group: j.group }));
  const root = net.root;
  for (const r of net.routers) {
    const names = r.names.entries(r.name).sort((a, b) => a.name.localeCompare(b.name));
    for (const n of names) topo.dns.push(r === root ? { name: n.name, ip: n.ip } : { name: n.name, ip: n.ip, router: r.name } satisfies DnsDoc);
  }
  return topo;
}

/** The gateway a router gets when none is given: the root's TEST-NET-1 address, else the first address its allocator hands out. */
function defaultGateway(r: Router): number {
  return (r.parent === null ? defaultRootGateway(r.cidr) : undefined) ?? new SubnetAllocator(r.cidr).allocate('gateway');
}

/** The interface's MAC when it is not the one its name gives (so it was set by hand). */
function givenMac(i: Interface): string | undefined {
  const mac = formatMac(i.mac);
  return mac === formatMac(deriveMac(i.fullName)) ? undefined : mac;
}

/** A router as the file writes it: defaults left out, uplink addresses explicit. */
export function routerDoc(r: Router): RouterDoc {
  const doc: RouterDoc = { name: r.name, ...(r.parent ? { parent: r.parent.name } : {}), cidr: r.cidr.toString() };
  if (r.parentLan !== null && r.parentLan !== r.parent!.lans.first) doc.parentLan = r.parentLan.name;
  if (r.gateway !== defaultGateway(r)) doc.gateway = formatIpv4(r.gateway);
  if (r.uplink) {
    doc.uplink = { ips: r.uplink.addresses.map(formatIpv4) };
    const mac = givenMac(r.uplink);
    if (mac !== undefined) doc.uplink.mac = mac;
  }
  const lanMac = givenMac(r.lan);
  if (lanMac !== undefined) doc.lan = { mac: lanMac };
  if (r.parent) {
    const nat = natDocOf(r.natConfig);
    if (nat !== undefined) doc.nat = nat;
  }
  if (r.minDelayNs > 0) doc.minDelay = durationText(r.minDelayNs);
  if (r.maxJitterNs > 0) doc.maxJitter = durationText(r.maxJitterNs);
  if (r.queueSize !== DEFAULT_QUEUE_SIZE) doc.queueSize = r.queueSize;
  if (r.icmpLimiter.intervalNs !== DEFAULT_ICMP_RATELIMIT_NS) doc.icmpRatelimit = durationText(r.icmpLimiter.intervalNs);
  if (r.lan.mtu !== DEFAULT_MTU) doc.mtu = r.lan.mtu;
  if (r.lan.vlan.length > 0) doc.vlan = [...r.lan.vlan];
  const natpmp = gatewayServices(r.ctx as Network).natPmpDoc(r.name);
  if (natpmp !== undefined) doc.natpmp = natpmp;
  if (r.lans.list.length > 1) doc.lans = r.lans.list.slice(1).map(lanDoc);
  const multicast = r.hasMulticast ? r.multicast.options() : undefined;
  if (multicast !== undefined) doc.multicast = multicast;
  return doc;
}

/** A LAN besides the first, as a router entry's `lans` writes it: named, the gateway only when not the first usable address. */
export function lanDoc(l: Lan): LanDoc {
  const doc: LanDoc = { name: l.name, cidr: l.cidr.toString() };
  if (l.gateway !== new SubnetAllocator(l.cidr).allocate('gateway')) doc.gateway = formatIpv4(l.gateway);
  const mac = givenMac(l.iface);
  if (mac !== undefined) doc.mac = mac;
  if (l.iface.vlan.length > 0) doc.vlan = [...l.iface.vlan];
  return doc;
}

function hostDoc(h: Host): HostDoc {
  const doc: HostDoc = { name: h.name, router: h.routerName, ...(h.attachment.name !== FIRST_LAN ? { lan: h.attachment.name } : {}), ips: h.addresses.map(formatIpv4) };
  const mac = givenMac(h.eth0);
  if (mac !== undefined) doc.mac = mac;
  if (h.eth0.mtu !== h.attachment.iface.mtu) doc.mtu = h.eth0.mtu;
  if (h.netns) doc.netns = true;
  return doc;
}

/** A filter as the file writes it: `filterSpecOf` made readable (egress, the default burst and 0-valued keys left out). */
export function filterDoc(on: string, f: NormalizedFilter, mtu: number, linkHeader = linkHeaderBytes(0)): FilterDoc {
  const spec = filterSpecOf(f);
  const doc: FilterDoc = { on };
  if (spec.direction === 'ingress') doc.direction = 'ingress';
  if (spec.dropMatch !== undefined) doc.dropMatch = spec.dropMatch;
  if (spec.loss !== undefined) doc.loss = spec.loss;
  if (f.lossModel !== undefined && typeof spec.lossModel === 'object') {
    const m = f.lossModel;
    const model: FilterDoc['lossModel'] = { p: spec.lossModel.p, r: spec.lossModel.r };
    if (m.lossBad !== 1) model.lossBad = spec.lossModel.lossBad;
    if (m.lossGood !== 0) model.lossGood = spec.lossModel.lossGood;
    doc.lossModel = model;
  }
  if (spec.duplicate !== undefined) doc.duplicate = spec.duplicate;
  if (f.delayNs > 0 || (spec.delay !== undefined && f.jitterNs === 0)) doc.delay = durationText(f.delayNs);
  if (f.jitterNs > 0) doc.jitter = durationText(f.jitterNs);
  if (f.preserveOrder) doc.preserveOrder = true;
  if (f.rateBps !== undefined) {
    doc.rate = formatRate(f.rateBps);
    if (f.burstBytes !== undefined && f.burstBytes !== defaultBurstBytes(f.rateBps, mtu, linkHeader + (f.overheadBytes ?? 0))) doc.burst = formatSize(f.burstBytes);
    if (f.queueBytes !== undefined) doc.queue = formatSize(f.queueBytes);
    if (f.overheadBytes !== undefined) doc.overhead = f.overheadBytes;
  }
  if (f.seed !== undefined) doc.seed = f.seed;
  return doc;
}

const NAT_PRESET_NAMES: readonly Exclude<NatPresetName, 'none'>[] = ['port-restricted', 'full-cone', 'restricted-cone', 'symmetric', '1to1', 'linux', 'linux-random'];

/**
 * A NAT config as the file writes it: undefined for the default (port-restricted), 'none', a preset
 * name when it equals one, else the options that differ from the nearest preset.
 */
export function natDocOf(cfg: NatConfig | null): NatPresetName | NatOptions | undefined {
  if (cfg === null) return 'none';
  const wanted = sameConfig.key(cfg);
  for (const name of NAT_PRESET_NAMES) {
    if (sameConfig.key(normalizeNat({ preset: name })) === wanted) return name === 'port-restricted' ? undefined : name;
  }
  const linux = cfg.portOverloading ? (cfg.portPreservation ? 'linux' : 'linux-random') : undefined;
  const preset = cfg.mode === '1to1' ? '1to1' : linux ?? NAT_PRESET_NAMES.find((p) => p !== '1to1' && normalizeNat({ preset: p })!.mapping === cfg.mapping && normalizeNat({ preset: p })!.filtering === cfg.filtering);
  const opts: NatOptions = preset !== undefined ? { preset } : { mapping: cfg.mapping, filtering: cfg.filtering };
  const base = normalizeNat(opts) ?? DEFAULT_NAT;
  if (cfg.hairpin !== base.hairpin) opts.hairpin = cfg.hairpin;
  if (cfg.lifetimeNs !== base.lifetimeNs) opts.lifetime = durationText(cfg.lifetimeNs);
  if (cfg.portPreservation !== base.portPreservation) opts.portPreservation = cfg.portPreservation;
  if (cfg.portParity !== base.portParity) opts.portParity = cfg.portParity;
  if (cfg.portRange[0] !== base.portRange[0] || cfg.portRange[1] !== base.portRange[1]) opts.portRange = [cfg.portRange[0], cfg.portRange[1]];
  if (cfg.allocation !== base.allocation) opts.allocation = cfg.allocation;
  if (cfg.inboundRefresh !== base.inboundRefresh) opts.inboundRefresh = cfg.inboundRefresh;
  if (cfg.tcpEstablishedNs !== base.tcpEstablishedNs) opts.tcpEstablished = durationText(cfg.tcpEstablishedNs);
  if (cfg.tcpTransitoryNs !== base.tcpTransitoryNs) opts.tcpTransitory = durationText(cfg.tcpTransitoryNs);
  if (cfg.assuredLifetimeNs !== base.assuredLifetimeNs) opts.assuredLifetime = durationText(cfg.assuredLifetimeNs);
  if (cfg.unsolicited !== base.unsolicited) opts.unsolicited = cfg.unsolicited;
  if (cfg.pooling !== base.pooling) opts.pooling = cfg.pooling;
  if (cfg.maxMappings !== base.maxMappings) opts.maxMappings = cfg.maxMappings;
  if (cfg.pairs.length > 0) opts.pairs = Object.fromEntries(cfg.pairs.map(([ext, int]) => [formatIpv4(ext), formatIpv4(int)]));
  return opts;
}

/** Comparing NAT configs (and other plain settings) by value. */
export const sameConfig = {
  key(v: unknown): string {
    return JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).filter(([, y]) => y !== undefined).sort(([a], [b]) => a.localeCompare(b))) : x));
  },
  equal(a: unknown, b: unknown): boolean {
    return sameConfig.key(a) === sameConfig.key(b);
  },
};

/** Nanoseconds the short way (`30ms`, `1.5s`, `2m`) when that reads back exactly, else `NNNns`. */
export function durationText(ns: number): string {
  const short = formatDurationOneUnit(ns);
  return parseDuration(short) === ns ? short : `${ns}ns`;
}

/** `10.0.0.5` → the same text, checked (used to compare addresses the file gives with live ones). */
export function canonicalIp(text: string): string {
  return formatIpv4(parseIpv4(text));
}
