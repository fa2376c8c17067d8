// The rules that keep routing unambiguous when routers are added or change
// NAT, and the routes each router derives from its non-NAT children.
import { formatIpv4, type Cidr } from '../wire/addr.js';
import { invalid } from './errors.js';
import type { NatConfig } from './nat/config.js';
import type { Router } from './router.js';

/** Refuses subnets that would make routing ambiguous. `self` is given when an existing router changes its NAT. */
export function checkSubnet(name: string, cidr: Cidr, parent: Router, nat: NatConfig | null, self?: Router): void {
  if (nat !== null) {
    if (parent.cidr.prefix > 0 && parent.cidr.overlaps(cidr)) {
      throw invalid(`subnet ${cidr} of ${name} overlaps ${parent.cidr} of its parent ${parent.name}; a NAT's inside must not overlap its outside`);
    }
    if (self && self.children.some((c) => c.natConfig === null)) {
      throw invalid(`${name} has routed child routers; remove them before putting a NAT in front of them`);
    }
    return;
  }
  if (parent.cidr.overlaps(cidr) && !(parent.cidr.prefix <= cidr.prefix && parent.cidr.contains(cidr.network))) {
    throw invalid(`subnet ${cidr} of ${name} partly overlaps ${parent.cidr} of ${parent.name}; a routed subnet must lie inside its parent's subnet or apart from it`);
  }
  if (parent.cidr.contains(cidr.network) && cidr.contains(parent.gateway)) {
    throw invalid(`subnet ${cidr} of ${name} holds ${formatIpv4(parent.gateway)}, the gateway of ${parent.name}; pick a subnet that leaves it out`);
  }
  // Walk up the routed domain: no routed subnet may overlap another.
  for (let r: Router | null = parent; r !== null; r = r.natConfig === null ? r.parent : null) {
    for (const other of r.routedSubnets) {
      if (self && other.via === self.uplink) continue;
      if (other.cidr.overlaps(cidr)) throw invalid(`subnet ${cidr} of ${name} overlaps the routed subnet ${other.cidr} below ${r.name}; pick a subnet apart from it`);
    }
    if (r !== parent && r.cidr.overlaps(cidr) && !r.cidr.contains(cidr.network)) {
      throw invalid(`subnet ${cidr} of ${name} overlaps ${r.cidr} of ${r.name}`);
    }
  }
  if (!self) {
    for (const h of parent.hosts) {
      for (const ip of h.addresses) if (cidr.contains(ip)) throw invalid(`subnet ${cidr} of ${name} holds ${formatIpv4(ip)} of host ${h.name}; pick a subnet apart from it`);
    }
  }
}

/** Each router routes the subnets of its non-NAT children (and theirs) via the child's uplink. */
export function recomputeRoutes(routers: Iterable<Router>): void {
  const routed = (r: Router): Cidr[] => [r.cidr, ...r.children.filter((c) => c.natConfig === null).flatMap(routed)];
  for (const r of routers) {
    r.setRoutes(r.children.filter((c) => c.natConfig === null).flatMap((c) => routed(c).map((cidr) => ({ cidr, via: c.uplink! }))));
  }
}
