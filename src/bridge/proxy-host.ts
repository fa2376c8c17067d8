// Which virtual node holds a proxy's address: the router given, or the deepest router whose
// subnet holds the address; a host (or router interface) that already has the address is
// reused, otherwise a host named after the address is added there.
import { formatIpv4, type Ipv4 } from '../wire/addr.js';
import { invalid, notFound } from '../engine/errors.js';
import type { Network } from '../engine/network.js';
import type { NetNode } from '../engine/node.js';
import type { Router } from '../engine/router.js';

export function proxyNode(net: Network, ip: Ipv4, routerName?: string): { node: NetNode; created: boolean } {
  const router = routerName !== undefined ? net.router(routerName) : deepestRouterFor(net, ip);
  if (router.lans.containing(ip) === undefined) {
    throw invalid(`${formatIpv4(ip)} is not in ${router.name}'s subnet ${router.lans.list.map((l) => l.cidr).join(', ')}; give an address in it or another router`);
  }
  const owner = ownerOn(router, ip);
  if (owner) return { node: owner, created: false };
  const host = net.addHost({ name: freeName(net, `proxy-${formatIpv4(ip).replace(/\./g, '-')}`), router: router.name, ips: [formatIpv4(ip)] });
  return { node: host, created: true };
}

function deepestRouterFor(net: Network, ip: Ipv4): Router {
  let best: Router | null = null;
  let bestDepth = -1;
  for (const r of net.routers) {
    if (r.lans.containing(ip) === undefined) continue;
    const d = depth(r);
    if (d > bestDepth) {
      best = r;
      bestDepth = d;
    }
  }
  if (!best) throw notFound(`no router's subnet holds ${formatIpv4(ip)}; add a router for it first (vnet router add)`);
  return best;
}

function depth(r: Router): number {
  let d = 0;
  for (let p = r.parent; p; p = p.parent) d++;
  return d;
}

/** The router itself (its LAN address), or the neighbour holding the address: a host's eth0 or a child router's uplink. */
function ownerOn(router: Router, ip: Ipv4): NetNode | null {
  if (router.lans.list.some((l) => l.iface.addresses.includes(ip))) return router;
  return (router.neighbor(ip)?.owner as NetNode | undefined) ?? null;
}

function freeName(net: Network, base: string): string {
  if (!net.has(base)) return base;
  for (let i = 2; ; i++) if (!net.has(`${base}-${i}`)) return `${base}-${i}`;
}
