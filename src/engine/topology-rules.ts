// The rules that keep routing unambiguous when routers are added, get another LAN or change
// NAT, and the routes each router derives from its non-NAT children.
import { formatIpv4, type Cidr } from '../wire/addr.js';
import { invalid } from './errors.js';
import type { NatConfig } from './nat/config.js';
import type { Router } from './router.js';
import type { Lan } from './router-lans.js';

/**
 * Refuses subnets that would make routing ambiguous: `cidr`, a LAN of router `name` below `parent`.
 * `self` is given when an existing router changes its NAT or gets another LAN; the parent's hosts
 * are checked unless `checkHosts` is false (a NAT change moves no subnet).
 */
export function checkSubnet(name: string, cidr: Cidr, parent: Router, nat: NatConfig | null, self?: Router, checkHosts = self === undefined): void {
  const parentLans = parent.lans.list;
  if (nat !== null) {
    checkNatInside(name, cidr, parent);
    if (self && self.children.some((c) => c.natConfig === null)) {
      throw invalid(`${name} has routed child routers; remove them before putting a NAT in front of them`);
    }
    return;
  }
  for (const l of parentLans) {
    const inside = l.cidr.prefix <= cidr.prefix && l.cidr.contains(cidr.network);
    if (l.cidr.overlaps(cidr) && !inside) {
      throw invalid(`subnet ${cidr} of ${name} partly overlaps ${l.cidr} of ${lanLabel(parent, l)}; a routed subnet must lie inside its parent's subnet or apart from it`);
    }
    if (inside && cidr.contains(l.gateway)) {
      throw invalid(`subnet ${cidr} of ${name} holds ${formatIpv4(l.gateway)}, the gateway of ${lanLabel(parent, l)}; pick a subnet that leaves it out`);
    }
  }
  // Walk up the routed domain: no routed subnet may overlap another.
  for (let r: Router | null = parent; r !== null; r = r.natConfig === null ? r.parent : null) {
    for (const other of r.routedSubnets) {
      if (self && other.via === self.uplink) continue;
      if (other.cidr.overlaps(cidr)) throw invalid(`subnet ${cidr} of ${name} overlaps the routed subnet ${other.cidr} below ${r.name}; pick a subnet apart from it`);
    }
    if (r === parent) continue;
    for (const l of r.lans.list) {
      if (l.cidr.overlaps(cidr) && !l.cidr.contains(cidr.network)) throw invalid(`subnet ${cidr} of ${name} overlaps ${l.cidr} of ${r.name}`);
    }
  }
  if (checkHosts) {
    for (const h of parent.hosts) {
      for (const ip of h.addresses) if (cidr.contains(ip)) throw invalid(`subnet ${cidr} of ${name} holds ${formatIpv4(ip)} of host ${h.name}; pick a subnet apart from it`);
    }
  }
}

/** A LAN in messages: the router's name for its first LAN (as before routers had more), else ROUTER/NAME. */
function lanLabel(r: Router, l: Lan): string {
  return l === r.lans.first ? r.name : l.iface.fullName;
}

/** A NAT's inside (`cidr`, a LAN of router `name`) must not overlap its outside (the parent's LANs, but for 0.0.0.0/0). */
function checkNatInside(name: string, cidr: Cidr, parent: Router): void {
  for (const l of parent.lans.list) {
    if (l.cidr.prefix > 0 && l.cidr.overlaps(cidr)) {
      throw invalid(`subnet ${cidr} of ${name} overlaps ${l.cidr} of its parent ${parent.name}; a NAT's inside must not overlap its outside`);
    }
  }
}

/** Refuses a new LAN `cidr` on router `r` that overlaps its other LANs, what is below it, or (by its parent's rules) what is above. */
export function checkNewLan(r: Router, cidr: Cidr): void {
  for (const l of r.lans.list) {
    if (l.cidr.overlaps(cidr)) throw invalid(`subnet ${cidr} overlaps ${l.cidr} of ${l.iface.fullName}; LANs of one router must not overlap, pick a subnet apart from it`);
  }
  for (const routed of r.routedSubnets) {
    if (routed.cidr.overlaps(cidr)) throw invalid(`subnet ${cidr} overlaps the routed subnet ${routed.cidr} below ${r.name}; pick a subnet apart from it`);
  }
  for (const c of r.children) {
    if (c.natConfig === null || cidr.prefix === 0) continue;
    for (const l of c.lans.list) {
      if (l.cidr.overlaps(cidr)) throw invalid(`subnet ${cidr} overlaps ${l.cidr} of ${l.iface.fullName}, behind the NAT of ${c.name}; a NAT's inside must not overlap its outside`);
    }
  }
  for (const ip of r.uplink?.addresses ?? []) {
    if (cidr.contains(ip)) throw invalid(`subnet ${cidr} holds ${formatIpv4(ip)}, the uplink address of ${r.name}; pick a subnet apart from it`);
  }
  if (r.parent === null) return;
  if (r.natConfig !== null) checkNatInside(r.name, cidr, r.parent);
  else checkSubnet(r.name, cidr, r.parent, null, r, true);
}

/** A routed (non-NAT) subnet inside one of the parent's LANs is carved out of that LAN's allocation. */
export function carveRouted(parent: Router, cidr: Cidr): void {
  for (const l of parent.lans.list) if (l.cidr.prefix <= cidr.prefix && l.cidr.contains(cidr.network)) l.allocator.carve(cidr);
}

export function uncarveRouted(parent: Router, cidr: Cidr): void {
  for (const l of parent.lans.list) l.allocator.uncarve(cidr);
}

/** Each router routes the subnets of its non-NAT children (all their LANs, and theirs) via the child's uplink. */
export function recomputeRoutes(routers: Iterable<Router>): void {
  const routed = (r: Router): Cidr[] => [...r.lans.list.map((l) => l.cidr), ...r.children.filter((c) => c.natConfig === null).flatMap(routed)];
  for (const r of routers) {
    r.setRoutes(r.children.filter((c) => c.natConfig === null).flatMap((c) => routed(c).map((cidr) => ({ cidr, via: c.uplink! }))));
  }
}
