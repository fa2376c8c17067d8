// One pass of `apply` over a network: each entry of the file is created, changed in place
// (a router's NAT, delay, queue and ICMP rate limit) or left alone; structural differences are errors.
import { Cidr, formatIpv4 } from '../wire/addr.js';
import { VnetError } from '../engine/errors.js';
import { normalizeName } from '../engine/dns.js';
import { describeFilter, linkHeaderBytes, normalizeFilterSpec } from '../engine/filters/spec.js';
import type { Host } from '../engine/host.js';
import { formatMac, parseMac } from '../engine/mac.js';
import { describeNat, normalizeNat, type NatConfig, type NatOptions } from '../engine/nat/config.js';
import type { Network } from '../engine/network.js';
import type { Router } from '../engine/router.js';
import { formatDuration, parseDuration } from '../engine/units.js';
import { parseIcmpRatelimit } from '../engine/icmp-ratelimit.js';
import { addFilter, addHost, addLan, addName, addRouter, vlanIds } from './entry-methods.js';
import { ifaceOf, parseOif } from '../multicast/network-api.js';
import { canonicalIp, lanDoc, routerDoc, sameConfig } from './topology-export.js';
import type { Lan } from '../engine/router-lans.js';
import { gatewayServices, natPmpDefaults, natPmpDocOf, natPmpOptions } from '../services/registry.js';
import { DEFAULT_MTU, DEFAULT_QUEUE_SIZE } from '../engine/network.js';
import { applyStun } from './topology-stun.js';
import { placeOf, routerBuildOrder, topologyError, type DnsDoc, type HostDoc, type LanDoc, type RouterDoc, type Topology } from './topology-schema.js';

export interface EntryNames {
  routers: string[];
  hosts: string[];
  dns: string[];
  filters: string[];
  /** Capture files. */
  captures: string[];
  /** Multicast routes (`ROUTER (S, G)`) and memberships (`HOST GROUP`): only when the file has them. */
  mroutes?: string[];
  memberships?: string[];
}

export interface ApplySummary {
  /** True when nothing was changed because only a check was asked for. */
  dryRun: boolean;
  created: EntryNames;
  changed: EntryNames;
  unchanged: EntryNames;
  /** One line per change, e.g. `router home: nat port-restricted (EIM/APDF) … → symmetric (APDM/APDF) …`. */
  changes: string[];
  /** Things in the file that apply ignores (clock, seed), said once each. */
  notes: string[];
}

const noNames = (): EntryNames => ({ routers: [], hosts: [], dns: [], filters: [], captures: [] });

export function emptySummary(dryRun: boolean): ApplySummary {
  return { dryRun, created: noNames(), changed: noNames(), unchanged: noNames(), changes: [], notes: [] };
}

/** Undo steps of the pass so far (run in reverse when a later step fails), or null when none are kept. */
export type UndoLog = (() => void)[] | null;

/** Applies every entry of `topo` to `net` in order: routers (parents first), hosts, dns, filters. */
export function applyEntries(net: Network, topo: Topology, fileName: string, undo: UndoLog, dryRun: boolean): ApplySummary {
  const s = emptySummary(dryRun);
  const fail = (entry: object, fallback: string, fact: string, cause?: unknown): VnetError => topologyError(fileName, placeOf(entry, fallback), fact, cause);
  const attempt = <T>(entry: object, fallback: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof VnetError)) throw err;
      throw fail(entry, fallback, err.message, err);
    }
  };
  checkReferences(net, topo, fail);

  for (const i of routerBuildOrder(topo.routers).order) {
    const doc = topo.routers[i];
    const where = `routers[${i}]`;
    const live = routerNamed(net, doc.name);
    if (!live) {
      attempt(doc, where, () => addRouter(net, doc));
      undo?.push(() => {
        if (net.has(doc.name)) net.remove(doc.name);
      });
      s.created.routers.push(doc.name);
      continue;
    }
    const conflict = attempt(doc, where, () => routerConflict(live, doc));
    if (conflict) throw fail(doc, where, `${conflict}; remove the router first with \`vnet router rm ${doc.name}\` (it takes everything below it) or make the file match`);
    const changes = attempt(doc, where, () => updateRouter(net, live, doc, undo));
    if (changes.length > 0) {
      s.changed.routers.push(doc.name);
      s.changes.push(...changes.map((c) => `router ${doc.name}: ${c}`));
    } else {
      s.unchanged.routers.push(doc.name);
    }
  }

  topo.hosts.forEach((doc, i) => {
    const where = `hosts[${i}]`;
    const live = net.hostNamed(doc.name);
    if (!live) {
      attempt(doc, where, () => addHost(net, doc));
      undo?.push(() => {
        if (net.has(doc.name)) net.remove(doc.name);
      });
      s.created.hosts.push(doc.name);
      return;
    }
    const conflict = attempt(doc, where, () => hostConflict(net, live, doc));
    if (conflict) throw fail(doc, where, `${conflict}; remove the host first with \`vnet host rm ${doc.name}\` or make the file match`);
    s.unchanged.hosts.push(doc.name);
  });

  if (topo.stun) applyStun(net, topo.stun, fileName, s, undo);

  topo.dns.forEach((doc, i) => applyName(net, doc, `dns[${i}]`, s, undo, attempt, fail));

  const taken = new Set<number>();
  topo.filters.forEach((doc, i) => {
    const where = `filters[${i}]`;
    const { on, ...spec } = doc;
    const iface = attempt(doc, where, () => net.iface(on));
    const wanted = attempt(doc, where, () => normalizeFilterSpec(spec, iface.mtu, linkHeaderBytes(iface.vlan.length)));
    const label = `${iface.fullName} ${describeFilter(wanted)}`;
    const same = iface.filters.find((f) => !taken.has(f.id) && sameConfig.equal(f.spec, wanted));
    if (same) {
      taken.add(same.id);
      s.unchanged.filters.push(label);
      return;
    }
    const added = attempt(doc, where, () => addFilter(net, { ...doc, on: iface.fullName }));
    taken.add(added.id);
    undo?.push(() => {
      if (net.filters.list().some((f) => f.id === added.id)) net.removeFilter(added.id);
    });
    s.created.filters.push(label);
  });
  applyMulticast(net, topo, s, undo, attempt);
  return s;
}

/** Routes: installed when missing or different (a different one is replaced); memberships joined when missing. */
function applyMulticast(net: Network, topo: Topology, s: ApplySummary, undo: UndoLog, attempt: <T>(entry: object, fallback: string, fn: () => T) => T): void {
  if (topo.mroutes !== undefined) for (const k of ['created', 'changed', 'unchanged'] as const) s[k].mroutes = [];
  if (topo.memberships !== undefined) for (const k of ['created', 'changed', 'unchanged'] as const) s[k].memberships = [];
  topo.mroutes?.forEach((doc, i) => {
    const where = `mroutes[${i}]`;
    const label = `${doc.router} (${doc.source}, ${doc.group})`;
    const before = attempt(doc, where, () => net.mroutes(doc.router).find((m) => m.state === 'resolved' && m.source === canonicalIp(doc.source) && m.group === canonicalIp(doc.group)));
    const oifs = attempt(doc, where, () => doc.out.map((o) => parseOif(o, doc.router)));
    if (before !== undefined && before.iif === ifaceOf(doc.in, doc.router) && sameConfig.equal(before.oifs, oifs)) {
      s.unchanged.mroutes!.push(label);
      return;
    }
    attempt(doc, where, () => net.addMroute(doc));
    undo?.push(() => {
      if (before === undefined) net.removeMroute(doc.router, doc.source, doc.group);
      else net.addMroute({ router: before.router, source: before.source, group: before.group, in: before.iif, out: before.oifs });
    });
    (before === undefined ? s.created : s.changed).mroutes!.push(label);
  });
  topo.memberships?.forEach((doc, i) => {
    const label = `${doc.host} ${doc.group}`;
    const joined = attempt(doc, `memberships[${i}]`, () => net.joinGroup(doc.host, doc.group));
    if (joined) undo?.push(() => net.leaveGroup(doc.host, doc.group));
    (joined ? s.created : s.unchanged).memberships!.push(label);
  });
}

function routerNamed(net: Network, name: string): Router | undefined {
  return net.has(name) && !net.hostNamed(name) ? net.router(name) : undefined;
}

type Fail = (entry: object, fallback: string, fact: string) => VnetError;

/** Names the file refers to must be in the file or in the network, and a router and a host may not share a name. */
function checkReferences(net: Network, topo: Topology, fail: Fail): void {
  const fileRouters = new Set(topo.routers.map((r) => r.name));
  const fileHosts = new Set([...topo.hosts, ...(topo.stun ?? [])].map((h) => h.name));
  const liveRouters = new Set(net.routers.map((r) => r.name));
  const isRouter = (name: string): boolean => fileRouters.has(name) || liveRouters.has(name);
  const known = (): string => [...new Set([...fileRouters, ...liveRouters])].join(', ') || '(none)';
  topo.routers.forEach((r, i) => {
    if (net.hostNamed(r.name)) throw fail(r, `routers[${i}]`, `"${r.name}" is a host in this network; give the router another name or remove the host first`);
    if (r.parent !== undefined && !isRouter(r.parent)) throw fail(r, `routers[${i}]`, `parent: no router named "${r.parent}" in the file or the network (routers: ${known()}); add it or fix the name`);
  });
  topo.hosts.forEach((h, i) => {
    if (liveRouters.has(h.name)) throw fail(h, `hosts[${i}]`, `"${h.name}" is a router in this network; give the host another name`);
    if (!isRouter(h.router)) throw fail(h, `hosts[${i}]`, `router: no router named "${h.router}" in the file or the network (routers: ${known()}); add it or fix the name`);
  });
  topo.dns.forEach((n, i) => {
    if (n.router !== undefined && !isRouter(n.router)) throw fail(n, `dns[${i}]`, `router: no router named "${n.router}" in the file or the network (routers: ${known()}); add it or fix the name`);
  });
  topo.filters.forEach((f, i) => {
    const node = f.on.split('/')[0];
    if (!isRouter(node) && !fileHosts.has(node) && !net.hostNamed(node)) throw fail(f, `filters[${i}]`, `on: no router or host named "${node}" in the file or the network; fix the interface name (NODE/IFACE, e.g. home/uplink)`);
  });
}

/** The first structural difference between a live router and its entry, as a fact; undefined when they match. Left-out addresses and MACs match anything. */
function routerConflict(live: Router, doc: RouterDoc): string | undefined {
  const cidr = Cidr.parse(doc.cidr).toString();
  if (cidr !== live.cidr.toString()) return `router ${live.name} exists with cidr ${live.cidr}, the file says ${cidr}`;
  const parent = live.parent?.name;
  if (doc.parent !== parent) return `router ${live.name} exists ${parent ? `below ${parent}` : 'as the root'}, the file puts it ${doc.parent ? `below ${doc.parent}` : 'at the root'}`;
  if (doc.gateway !== undefined && canonicalIp(doc.gateway) !== formatIpv4(live.gateway)) return `router ${live.name} exists with gateway ${formatIpv4(live.gateway)}, the file says ${doc.gateway}`;
  const uplinkIps = live.uplink?.addresses.map(formatIpv4) ?? [];
  if (doc.uplink?.ips && doc.uplink.ips.map(canonicalIp).join(',') !== uplinkIps.join(',')) {
    return `router ${live.name} exists with uplink address ${uplinkIps.join(', ')}, the file says ${doc.uplink.ips.join(', ')}`;
  }
  for (const [side, iface] of [['uplink', live.uplink], ['lan', live.lan]] as const) {
    const mac = doc[side]?.mac;
    if (mac !== undefined && iface && formatMac(parseMac(mac)) !== formatMac(iface.mac)) return `${iface.fullName} has MAC ${formatMac(iface.mac)}, the file says ${mac}`;
  }
  if (doc.parentLan !== undefined && doc.parentLan !== live.parentLan?.name) {
    return `router ${live.name} exists on ${live.parentLan?.iface.fullName ?? '(no parent)'}, the file puts it on ${doc.parent}/${doc.parentLan}`;
  }
  for (const l of doc.lans ?? []) {
    const conflict = lanConflict(live, l);
    if (conflict) return conflict;
  }
  if ((doc.mtu ?? DEFAULT_MTU) !== live.lan.mtu) return `router ${live.name} exists with MTU ${live.lan.mtu}, the file says ${doc.mtu ?? `${DEFAULT_MTU} (the default)`}`;
  const vlan = (vlanIds(doc.vlan) ?? []).join(',');
  if (vlan !== live.lan.vlan.join(',')) return `router ${live.name} exists with VLAN ${live.lan.vlan.join(',') || 'none'}, the file says ${vlan || 'none'}`;
  // Any other key the entry gives must be what the live router exports (so a new router option needs no code here).
  const exported = routerDoc(live) as Record<string, unknown>;
  for (const [key, value] of Object.entries(doc)) {
    if (COMPARED_ABOVE.has(key) || value === undefined || sameConfig.equal(exported[key], value)) continue;
    return `router ${live.name} exists with ${key} ${exported[key] === undefined ? 'unset' : JSON.stringify(exported[key])}, the file says ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** Router keys routerConflict compares itself, or updateRouter changes in place. */
const COMPARED_ABOVE = new Set(['multicast', 'name', 'cidr', 'parent', 'gateway', 'uplink', 'lan', 'mtu', 'vlan', 'nat', 'minDelay', 'maxJitter', 'queueSize', 'icmpRatelimit', 'parentLan', 'lans', 'natpmp']);

/** The live LAN a `lans` item names (by name, else by subnet), if there is one. */
function liveLan(live: Router, doc: LanDoc): Lan | undefined {
  if (doc.name !== undefined) return live.lans.named(doc.name);
  const cidr = Cidr.parse(doc.cidr).toString();
  return live.lans.list.find((l) => l.cidr.toString() === cidr);
}

/** How a live LAN differs from a `lans` item (one that is not there yet differs in nothing: apply adds it). */
function lanConflict(live: Router, doc: LanDoc): string | undefined {
  const l = liveLan(live, doc);
  if (l === undefined) return undefined;
  const wanted = lanDoc(l);
  const cidr = Cidr.parse(doc.cidr).toString();
  if (cidr !== wanted.cidr) return `${l.iface.fullName} exists with cidr ${wanted.cidr}, the file says ${cidr}`;
  if (doc.gateway !== undefined && canonicalIp(doc.gateway) !== formatIpv4(l.gateway)) return `${l.iface.fullName} exists with gateway ${formatIpv4(l.gateway)}, the file says ${doc.gateway}`;
  if (doc.mac !== undefined && formatMac(parseMac(doc.mac)) !== formatMac(l.iface.mac)) return `${l.iface.fullName} has MAC ${formatMac(l.iface.mac)}, the file says ${doc.mac}`;
  const vlan = (vlanIds(doc.vlan) ?? []).join(',');
  if (vlan !== l.iface.vlan.join(',')) return `${l.iface.fullName} exists with VLAN ${l.iface.vlan.join(',') || 'none'}, the file says ${vlan || 'none'}`;
  return undefined;
}

function hostConflict(net: Network, live: Host, doc: HostDoc): string | undefined {
  if (doc.router !== live.routerName) return `host ${live.name} exists on ${live.routerName}, the file puts it on ${doc.router}`;
  if (doc.lan !== undefined && doc.lan !== live.attachment.name) return `host ${live.name} exists on ${live.eth0.peerInterface!.fullName}, the file puts it on ${doc.router}/${doc.lan}`;
  const ips = live.addresses.map(formatIpv4);
  if (doc.ips && doc.ips.map(canonicalIp).join(',') !== ips.join(',')) return `host ${live.name} exists with address ${ips.join(', ')}, the file says ${doc.ips.join(', ')}`;
  if (doc.mac !== undefined && formatMac(parseMac(doc.mac)) !== formatMac(live.eth0.mac)) return `${live.eth0.fullName} has MAC ${formatMac(live.eth0.mac)}, the file says ${doc.mac}`;
  const mtu = doc.mtu ?? live.attachment.iface.mtu;
  if (mtu !== live.eth0.mtu) return `host ${live.name} exists with MTU ${live.eth0.mtu}, the file says ${mtu}`;
  if ((doc.netns ?? false) !== live.netns) return `host ${live.name} exists ${live.netns ? 'as' : 'without'} a network namespace, the file says netns: ${doc.netns ?? false}`;
  return undefined;
}

/** Brings a live router's NAT, delay and queue size to what the entry says, and adds the LANs it lacks; returns what changed. */
function updateRouter(net: Network, live: Router, doc: RouterDoc, undo: UndoLog): string[] {
  const changes: string[] = [];
  for (const l of doc.lans ?? []) {
    if (liveLan(live, l) !== undefined) continue;
    const lan = addLan(net, { ...l, router: live.name });
    undo?.push(() => {
      if (net.has(live.name) && live.lans.named(lan.name) === lan) net.removeLan(live.name, lan.name);
    });
    changes.push(`LAN ${lan.name} ${lan.cidr} added`);
  }
  const target = doc.nat === undefined ? (live.parent ? normalizeNat({ preset: 'port-restricted' }) : null) : normalizeNat(natOptions(doc.nat));
  if (!live.parent && target !== null) throw new VnetError('EINVAL', `nat: ${live.name} is the root router and cannot have a NAT; leave nat out`);
  if (!sameConfig.equal(target, live.natConfig)) {
    const before = live.natConfig;
    net.setNatConfig(live.name, target);
    undo?.push(() => net.setNatConfig(live.name, before));
    changes.push(`nat ${natText(before)} → ${natText(target)}`);
  }
  const settings = [
    ['min-delay', 'minDelayNs', parseDuration(doc.minDelay ?? 0, 'minDelay')],
    ['max-jitter', 'maxJitterNs', parseDuration(doc.maxJitter ?? 0, 'maxJitter')],
    ['queue size', 'queueSize', doc.queueSize ?? DEFAULT_QUEUE_SIZE],
  ] as const;
  for (const [label, field, value] of settings) {
    const before = live[field];
    if (before === value) continue;
    live[field] = value;
    undo?.push(() => {
      live[field] = before;
    });
    const show = (v: number): string => (field === 'queueSize' ? String(v) : formatDuration(v));
    changes.push(`${label} ${show(before)} → ${show(value)}`);
  }
  const mc = doc.multicast;
  const mcBefore = live.hasMulticast ? live.multicast.options() ?? {} : {};
  if (mc !== undefined && !sameConfig.equal(mc, mcBefore)) {
    // Forwarding turned on by `mroute add` stays on when the file leaves it out.
    live.multicast.configure({ forwarding: mc.forwarding ?? live.multicast.forwarding, compat: mc.compat ?? 'gvisor', pendingQueueSize: mc.pendingQueueSize });
    undo?.push(() => live.multicast.configure({ forwarding: mcBefore.forwarding ?? false, compat: mcBefore.compat ?? 'gvisor', pendingQueueSize: mcBefore.pendingQueueSize }));
    changes.push(`multicast ${JSON.stringify(mcBefore)} → ${JSON.stringify(mc)}`);
  }
  const limiter = live.icmpLimiter;
  const interval = parseIcmpRatelimit(doc.icmpRatelimit);
  if (limiter.intervalNs !== interval) {
    const before = limiter.intervalNs;
    limiter.intervalNs = interval;
    undo?.push(() => {
      limiter.intervalNs = before;
    });
    changes.push(`icmp-ratelimit ${formatDuration(before)} → ${formatDuration(interval)}`);
  }
  changes.push(...updateNatPmp(net, live, doc, undo));
  return changes;
}

/** Turns the router's NAT-PMP service on, off or to other options, as the entry says (a restart starts a new epoch). */
function updateNatPmp(net: Network, live: Router, doc: RouterDoc, undo: UndoLog): string[] {
  const services = gatewayServices(net);
  const before = services.natPmpDoc(live.name);
  const wanted = doc.natpmp === undefined ? undefined : natPmpDocOf({ ...natPmpDefaults(), ...natPmpOptions(doc.natpmp) });
  if (sameConfig.equal(before, wanted)) return [];
  if (wanted === undefined) services.disableNatPmp(live.name);
  else services.enableNatPmp(live.name, wanted);
  undo?.push(() => {
    if (before === undefined) services.disableNatPmp(live.name);
    else services.enableNatPmp(live.name, before);
  });
  const text = (d: unknown): string => (d === undefined ? 'off' : d === true ? 'on' : JSON.stringify(d));
  return [`natpmp ${text(before)} → ${text(wanted)}`];
}

function natOptions(nat: NonNullable<RouterDoc['nat']>): NatOptions {
  return typeof nat === 'string' ? { preset: nat } : nat;
}

function natText(c: NatConfig | null): string {
  return c === null ? 'none' : describeNat(c);
}

function applyName(net: Network, doc: DnsDoc, where: string, s: ApplySummary, undo: UndoLog,
  attempt: <T>(entry: object, fallback: string, fn: () => T) => T, fail: Fail): void {
  const router = doc.router !== undefined ? attempt(doc, where, () => net.router(doc.router!)) : net.root;
  if (!router) throw fail(doc, where, `there is no root router to hold "${doc.name}"; add a router without a parent first`);
  const name = attempt(doc, where, () => normalizeName(doc.name));
  const ip = canonicalIp(doc.ip);
  const label = `${name} ${ip}${doc.router !== undefined ? ` (${doc.router})` : ''}`;
  const before = router.names.get(name);
  if (before !== undefined && formatIpv4(before) === ip) {
    s.unchanged.dns.push(label);
    return;
  }
  attempt(doc, where, () => addName(net, { name, ip, router: router.name }));
  undo?.push(() => {
    if (before === undefined) net.removeName(name, router.name);
    else net.addName(name, formatIpv4(before), router.name);
  });
  if (before === undefined) {
    s.created.dns.push(label);
  } else {
    s.changed.dns.push(label);
    s.changes.push(`dns ${name}${doc.router !== undefined ? ` under ${doc.router}` : ''}: ${formatIpv4(before)} → ${ip}`);
  }
}
