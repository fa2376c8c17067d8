// The network's operations on a router's LANs: adding one (checked against everything around it)
// and removing one with the hosts and child routers on it.
import { quoteInput } from '../wire/user-input.js';
import { checkVlans, parseAddr, parseCidrOption } from './addressing.js';
import { invalid, VnetError } from './errors.js';
import { parseMac } from './mac.js';
import type { Network } from './network.js';
import type { Lan } from './router-lans.js';
import { carveRouted, checkNewLan, recomputeRoutes, uncarveRouted } from './topology-rules.js';

/** Another LAN interface on a router: `Network.addLan`. */
export interface LanOptions {
  router: string;
  /** Interface name; lan2, lan3, ... when omitted. */
  name?: string;
  cidr: string;
  /** The router's address on it; the first usable address when omitted. */
  gateway?: string;
  mac?: string;
  /** VLAN IDs on the interface and the hosts of this LAN, outer first; none when omitted. */
  vlan?: number[];
}

/** Like Linux's interface names: at most 15 characters. */
const LAN_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,14}$/;

export function addLanTo(net: Network, o: LanOptions): Lan {
  const r = net.router(o.router);
  const name = o.name ?? r.lans.nextName();
  if (typeof name !== 'string' || !LAN_NAME.test(name)) {
    throw invalid(`${quoteInput(name)} is not a valid LAN interface name; use letters, digits, '-', '_' and '.', starting with a letter, at most 15`);
  }
  if (name === 'uplink' || r.lans.named(name) !== undefined) {
    throw new VnetError('EEXIST', `router ${r.name} already has an interface ${quoteInput(name)}; pick another name`);
  }
  const cidr = parseCidrOption(o.cidr, `cidr of ${r.name}/${name}`);
  checkNewLan(r, cidr);
  const vlan = checkVlans(o.vlan);
  const mac = o.mac ? parseMac(o.mac) : undefined;
  const gw = o.gateway !== undefined ? parseAddr(o.gateway, `gateway of ${r.name}/${name}`) : undefined;
  const lan = r.addLan(name, cidr, mac ?? null, r.lan.mtu, 0);
  try {
    if (gw !== undefined) lan.allocator.claim(gw, lan.iface.fullName);
    r.setGateway(lan, gw ?? lan.allocator.allocate(lan.iface.fullName));
  } catch (err) {
    r.removeLan(lan);
    throw err;
  }
  if (vlan.length > 0) lan.iface.vlan = Object.freeze([...vlan]);
  lan.macs.add(lan.iface.fullName, mac);
  if (r.parent && r.natConfig === null) carveRouted(r.parent, cidr);
  recomputeRoutes(net.routers);
  return lan;
}

export function removeLanFrom(net: Network, routerName: string, name: string): string[] {
  const r = net.router(routerName);
  const lan = r.lanNamed(name);
  if (lan === r.lans.first) throw invalid(`${lan.iface.fullName} is the router's first LAN and cannot be removed; remove the router instead (vnet router rm ${r.name})`);
  const removed: string[] = [];
  for (const c of r.children.filter((c) => c.parentLan === lan)) removed.push(...net.remove(c.name));
  for (const h of r.hosts.filter((h) => h.attachment === lan)) removed.push(...net.remove(h.name));
  net.filters.dropInterface(lan.iface);
  if (r.hasMulticast) r.multicast.dropInterface(lan.iface);
  if (r.parent) uncarveRouted(r.parent, lan.cidr);
  r.removeLan(lan);
  recomputeRoutes(net.routers);
  return removed;
}
