// A topology document (what `vnet export` writes) resolved into what a Linux lab needs: every
// router's gateway, prefix lengths, MACs, MTUs, NAT config, LAN members and routes. The netns and
// containerlab generators both read this plan, never the engine.
import { Cidr, formatIpv4, parseIpv4 } from '../wire/addr.js';
import { SubnetAllocator } from '../engine/allocator.js';
import { invalid } from '../engine/errors.js';
import { linkHeaderBytes, normalizeFilterSpec, type NormalizedFilter } from '../engine/filters/spec.js';
import { deriveMac, formatMac, parseMac } from '../engine/mac.js';
import { DEFAULT_NAT, normalizeNat, type NatConfig } from '../engine/nat/config.js';
import { DEFAULT_MTU, defaultRootGateway } from '../engine/network.js';
import type { StunDoc } from '../services/stun-registry.js';
import type { FilterDoc, HostDoc, RouterDoc, Topology } from './topology-schema.js';

export interface PlanRoute {
  /** `a.b.c.d/n` or `default`. */
  to: string;
  /** The next hop; left out for a route on the link itself (`dev`). */
  via?: string;
  /** The interface of an on-link route (Linux adds no connected route for 0.0.0.0/n, so the root's LAN needs one). */
  dev?: string;
}

/** Something plugged into a router's LAN: a host's eth0 or a child router's uplink. */
export interface PlanMember {
  node: string;
  kind: 'host' | 'router';
  /** The member's interface on the LAN (eth0 or uplink). */
  iface: string;
  mtu: number;
  /** The router's LAN it is on (lan, lan2, ...). */
  lan: string;
}

/** One LAN of a router: a bridge of its own in the lab, named as vnet names the interface. */
export interface PlanLan {
  name: string;
  cidr: Cidr;
  gateway: string;
  mac: string;
  /** Routes every member of this LAN needs (the default via its gateway, routed subnets). */
  memberRoutes: PlanRoute[];
}

export interface PlanRouter {
  name: string;
  doc: RouterDoc;
  parent?: string;
  /** The parent's LAN the uplink is on. */
  parentLan?: string;
  /** Every LAN, the first (`lan`: cidr, gateway, lanMac, memberRoutes below) included. */
  lans: PlanLan[];
  cidr: Cidr;
  gateway: string;
  lanMac: string;
  mtu: number;
  /** Addresses on the uplink as `ip/prefix` (the parent's prefix length); empty for the root. */
  uplinkAddrs: string[];
  uplinkMac?: string;
  /** null: no NAT (the root, or `nat: none`). */
  nat: NatConfig | null;
  /** The router's own routes: its default and its routed children's subnets. */
  routes: PlanRoute[];
  /** Routes every member of this router's first LAN needs (the default via the gateway, routed subnets). */
  memberRoutes: PlanRoute[];
  /** What is plugged into any of its LANs (each member names its LAN). */
  members: PlanMember[];
}

export interface PlanHost {
  name: string;
  doc: HostDoc;
  router: string;
  /** The router's LAN it is on. */
  lan: string;
  /** `ip/prefix`, the primary first. */
  addrs: string[];
  mac: string;
  mtu: number;
  routes: PlanRoute[];
}

export interface PlanFilter {
  doc: FilterDoc;
  node: string;
  iface: string;
  spec: NormalizedFilter;
  /** The MTU of the interface (for tbf's burst and limit). */
  mtu: number;
}

export interface LabPlan {
  routers: PlanRouter[];
  hosts: PlanHost[];
  filters: PlanFilter[];
}

/** The MAC vnet gives an interface: the one set by hand, else the one derived from NODE/IFACE. */
function macOf(given: string | undefined, fullName: string): string {
  return formatMac(given !== undefined ? parseMac(given) : deriveMac(fullName));
}

/** The gateway a router's LAN has when the document leaves it out (as the engine picks it). */
export function gatewayOf(doc: RouterDoc): string {
  const cidr = Cidr.parse(doc.cidr);
  if (doc.gateway !== undefined) return doc.gateway;
  const ip = (doc.parent === undefined ? defaultRootGateway(cidr) : undefined) ?? new SubnetAllocator(cidr).allocate('gateway');
  return formatIpv4(ip);
}

/** A router's LANs as the engine makes them: the first from cidr/gateway/lan, then `lans` (unnamed ones lan2, lan3, ... the first free). */
function lansOf(doc: RouterDoc, first: { cidr: Cidr; gateway: string; mac: string }): PlanLan[] {
  const lans: PlanLan[] = [{ name: 'lan', ...first, memberRoutes: [] }];
  const named = new Set(['lan', ...(doc.lans ?? []).flatMap((l) => (l.name !== undefined ? [l.name] : []))]);
  for (const l of doc.lans ?? []) {
    let name = l.name;
    for (let n = 2; name === undefined; n++) if (!named.has(`lan${n}`)) named.add((name = `lan${n}`));
    const cidr = Cidr.parse(l.cidr);
    lans.push({ name, cidr, gateway: l.gateway ?? formatIpv4(new SubnetAllocator(cidr).allocate('gateway')), mac: macOf(l.mac, `${doc.name}/${name}`), memberRoutes: [] });
  }
  return lans;
}

/** The LAN a host or child router joins: the one named, else the one holding its first address, else the first (as the engine picks it). */
function lanOf(r: PlanRouter, named: string | undefined, ip: string | undefined, what: string): PlanLan {
  if (named !== undefined) {
    const lan = r.lans.find((l) => l.name === named);
    if (!lan) throw invalid(`${what}: router ${r.name} has no LAN ${named} (it has ${r.lans.map((l) => l.name).join(', ')})`);
    return lan;
  }
  return (ip !== undefined ? r.lans.find((l) => l.cidr.contains(parseIpv4(ip))) : undefined) ?? r.lans[0];
}

/** A router's NAT as a complete config: the root and `none` have none; a child without `nat` has the default. */
export function natOf(doc: RouterDoc): NatConfig | null {
  if (doc.parent === undefined) return null;
  if (doc.nat === undefined) return DEFAULT_NAT;
  return normalizeNat(typeof doc.nat === 'string' ? { preset: doc.nat } : doc.nat);
}

/**
 * Resolves the document. Addresses must be explicit (as `vnet export` writes them): a host or a child
 * router without them is an error saying how to get a document that has them.
 */
export function planLab(topo: Topology): LabPlan {
  const byName = new Map(topo.routers.map((r) => [r.name, r]));
  const routers = new Map<string, PlanRouter>();
  for (const doc of topo.routers) {
    const parent = doc.parent !== undefined ? byName.get(doc.parent) : undefined;
    if (doc.parent !== undefined && parent === undefined) throw invalid(`router ${doc.name}: its parent ${doc.parent} is not in the topology`);
    const mtu = doc.mtu ?? DEFAULT_MTU;
    if (parent && (doc.uplink?.ips ?? []).length === 0) throw missingAddresses(`router ${doc.name}`);
    const cidr = Cidr.parse(doc.cidr);
    const gateway = gatewayOf(doc);
    const lanMac = macOf(doc.lan?.mac, `${doc.name}/lan`);
    routers.set(doc.name, {
      name: doc.name, doc, ...(parent ? { parent: parent.name } : {}),
      lans: lansOf(doc, { cidr, gateway, mac: lanMac }),
      cidr, gateway, lanMac, mtu, uplinkAddrs: [],
      ...(parent ? { uplinkMac: macOf(doc.uplink?.mac, `${doc.name}/uplink`) } : {}),
      nat: natOf(doc), routes: [], memberRoutes: [], members: [],
    });
  }
  // The uplink's LAN on the parent (its prefix length is the addresses').
  const uplinkLan = new Map<PlanRouter, PlanLan>();
  for (const r of routers.values()) {
    if (r.parent === undefined) continue;
    const ips = r.doc.uplink!.ips!;
    const lan = lanOf(routers.get(r.parent)!, r.doc.parentLan, ips[0], `router ${r.name}`);
    uplinkLan.set(r, lan);
    r.parentLan = lan.name;
    r.uplinkAddrs = ips.map((ip) => `${ip}/${lan.cidr.prefix}`);
  }
  const children = (r: PlanRouter): PlanRouter[] => [...routers.values()].filter((c) => c.parent === r.name);
  // Each router routes every subnet of its non-NAT children (all their LANs, and theirs) via the child's uplink, as the engine does.
  const routed = (r: PlanRouter): Cidr[] => [...r.lans.map((l) => l.cidr), ...children(r).filter((c) => c.nat === null).flatMap(routed)];
  for (const r of routers.values()) {
    for (const c of children(r)) {
      r.members.push({ node: c.name, kind: 'router', iface: 'uplink', mtu: c.mtu, lan: c.parentLan! });
      if (c.nat === null) for (const cidr of routed(c)) r.routes.push({ to: cidr.toString(), via: addressOf(c.uplinkAddrs[0]) });
    }
    // A router's LANs never overlap (the engine refuses it), so the default route reaches the others.
    for (const l of r.lans) l.memberRoutes = [...(l.cidr.prefix > 0 ? [{ to: 'default', via: l.gateway }] : []), ...r.routes.map((x) => ({ to: x.to, via: l.gateway }))];
    r.memberRoutes = r.lans[0].memberRoutes;
    for (const l of [...r.lans].reverse()) if (zeroNet(l.cidr)) r.routes.unshift(onLink(l.cidr, l.name));
  }
  for (const r of routers.values()) {
    const lan = uplinkLan.get(r);
    // A member does not route its own subnets through its router (its own routes say where they are).
    if (!lan) continue;
    r.routes.unshift(...lan.memberRoutes.filter((x) => !routed(r).some((c) => c.toString() === x.to)));
    if (zeroNet(lan.cidr)) r.routes.unshift(onLink(lan.cidr, 'uplink'));
  }
  const hosts: PlanHost[] = [...topo.hosts, ...(topo.stun ?? []).map(stunHost)].map((doc) => {
    const r = routers.get(doc.router);
    if (!r) throw invalid(`host ${doc.name}: its router ${doc.router} is not in the topology`);
    if (!doc.ips || doc.ips.length === 0) throw missingAddresses(`host ${doc.name}`);
    const lan = lanOf(r, doc.lan, doc.ips[0], `host ${doc.name}`);
    const mtu = doc.mtu ?? r.mtu;
    r.members.push({ node: doc.name, kind: 'host', iface: 'eth0', mtu, lan: lan.name });
    const routes = [...(zeroNet(lan.cidr) ? [onLink(lan.cidr, 'eth0')] : []), ...lan.memberRoutes];
    return { name: doc.name, doc, router: r.name, lan: lan.name, addrs: doc.ips.map((ip) => `${ip}/${lan.cidr.prefix}`), mac: macOf(doc.mac, `${doc.name}/eth0`), mtu, routes };
  });
  const filters = topo.filters.map((doc) => filterOf(doc, routers, hosts));
  return { routers: [...routers.values()], hosts, filters };
}

/** A STUN server's host as a plain host: its address(es) on its router's LAN (no server runs there in the lab). */
function stunHost(s: StunDoc): HostDoc {
  return { name: s.name, router: s.router, ips: [s.ip, ...(s.altIp !== undefined ? [s.altIp] : [])] };
}

/** Linux adds no connected route for an address in 0.0.0.0/8 (the root's 0.0.0.0/0 included): the lab adds it. */
function zeroNet(c: Cidr): boolean {
  return c.network >>> 24 === 0;
}

function onLink(c: Cidr, dev: string): PlanRoute {
  return { to: c.prefix === 0 ? 'default' : c.toString(), dev };
}

function missingAddresses(what: string): Error {
  return invalid(`${what} has no addresses in the topology; export from a session (\`vnet export\`) or give the file with -f, which builds it first`);
}

/** `10.0.0.2/24` → `10.0.0.2`. */
export function addressOf(addr: string): string {
  return addr.slice(0, addr.indexOf('/'));
}

/** A filter entry with its interface resolved (`NODE` alone is the node's default interface). */
function filterOf(doc: FilterDoc, routers: Map<string, PlanRouter>, hosts: PlanHost[]): PlanFilter {
  const [node, named] = doc.on.split('/');
  const r = routers.get(node);
  const h = hosts.find((x) => x.name === node);
  if (!r && !h) throw invalid(`filter on ${doc.on}: no router or host ${node} in the topology`);
  const iface = named ?? (h ? 'eth0' : r!.parent !== undefined ? 'uplink' : 'lan');
  const mtu = h ? h.mtu : r!.mtu;
  const vlanOf = (v: number[] | string | undefined): number => (Array.isArray(v) ? v.length : typeof v === 'string' ? v.split(',').length : 0);
  const lan = r?.doc.lans?.find((l) => l.name === iface);
  const vlanTags = r ? vlanOf(lan !== undefined ? lan.vlan : r.doc.vlan) : 0;
  const { on: _on, ...spec } = doc;
  return { doc, node, iface, spec: normalizeFilterSpec(spec, mtu, linkHeaderBytes(vlanTags)), mtu };
}

/** `192.0.2.1` checked (used in generated text, so nothing else slips in). */
export function checkedIp(text: string): string {
  return formatIpv4(parseIpv4(text));
}
