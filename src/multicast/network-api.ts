// What the Network offers for multicast (routes per router, group memberships of
// hosts), in terms users type: addresses as text, outgoing interfaces as
// `IFACE[:MINTTL]`. Network's methods call these.
import { formatIpv4, isIpv4, parseIpv4, type Ipv4 } from '../wire/addr.js';
import { invalid } from '../engine/errors.js';
import type { Host } from '../engine/host.js';
import type { Router } from '../engine/router.js';
import { quoteInput } from '../wire/user-input.js';
import type { MrouteView } from './router-multicast.js';
import type { OutgoingInterface } from './route-table.js';
import type { MembershipView } from './lan-members.js';

/** A route as the library and topology files give it. */
export interface MrouteSpec {
  router: string;
  source: string;
  group: string;
  /** The input interface (the RPF check): lan, uplink, ... */
  in: string;
  /** Outgoing interfaces, `IFACE` or `IFACE:MINTTL` (threshold default 1), or objects. */
  out: (string | OutgoingInterface)[];
}

/** A membership as topology files and `mcast join` give it. */
export interface MembershipSpec {
  host: string;
  group: string;
}

/** One row of `mcast ls`: a group a node joined (hosts, routers' sockets) or one a router learnt on an interface from IGMP. */
export interface McastView {
  joined: { node: string; group: string; iface: string; sockets: number; cli: boolean }[];
  learned: (MembershipView & { router: string })[];
}

/** The default TTL threshold of an outgoing interface: 1, as smcroute and mrouted set it (ip mroute prints none). */
export const DEFAULT_MIN_TTL = 1;

export function parseAddress(text: string, what: string): Ipv4 {
  if (typeof text !== 'string' || !isIpv4(text)) throw invalid(`${what} ${quoteInput(String(text))} is not an IPv4 address (a.b.c.d)`);
  return parseIpv4(text);
}

export function parseGroup(text: string): Ipv4 {
  const g = parseAddress(text, 'group');
  if (g >>> 28 !== 14) throw invalid(`group ${text} is not a multicast address (224.0.0.0/4), e.g. 239.1.1.1`);
  return g;
}

/** `lan`, `lan:3` (or `ROUTER/lan:3`, as shell completion offers it) → { iface, minTtl }. */
export function parseOif(o: string | OutgoingInterface, router?: string): OutgoingInterface {
  if (typeof o !== 'string') return { iface: ifaceOf(o.iface, router), minTtl: o.minTtl ?? DEFAULT_MIN_TTL };
  const m = /^((?:[A-Za-z0-9_.-]+\/)?[A-Za-z0-9_.-]+)(?::(\d{1,3}))?$/.exec(o);
  if (!m) throw invalid(`outgoing interface ${quoteInput(o)} is not IFACE or IFACE:MINTTL (e.g. lan or lan:2)`);
  const minTtl = m[2] === undefined ? DEFAULT_MIN_TTL : Number(m[2]);
  if (minTtl > 255) throw invalid(`TTL threshold ${minTtl} in ${quoteInput(o)} is not 0-255`);
  return { iface: ifaceOf(m[1], router), minTtl };
}

/** An interface of `router` as typed: `lan`, or `ROUTER/lan` naming that router. */
export function ifaceOf(text: string, router?: string): string {
  const slash = text.indexOf('/');
  if (slash < 0 || router === undefined) return text;
  const node = text.slice(0, slash);
  if (node !== router) throw invalid(`interface ${quoteInput(text)} is not one of router ${router}'s; write its name alone, e.g. lan or uplink`);
  return text.slice(slash + 1);
}

export function addMroute(r: Router, spec: Omit<MrouteSpec, 'router'>): MrouteView {
  const source = parseAddress(spec.source, 'source');
  const group = parseGroup(spec.group);
  const oifs = (spec.out ?? []).map((o) => parseOif(o, r.name));
  r.multicast.addRoute(source, group, ifaceOf(spec.in, r.name), oifs);
  return r.multicast.routes().find((v) => v.source === formatIpv4(source) && v.group === formatIpv4(group) && v.state === 'resolved')!;
}

export function removeMroute(r: Router, source: string, group: string): boolean {
  return r.hasMulticast && r.multicast.removeRoute(parseAddress(source, 'source'), parseGroup(group));
}

/** The token a host joins with for `vnet mcast join` (as if one socket held the membership). */
const CLI_MEMBER = new WeakMap<Host | Router, object>();

export function cliMember(n: Host | Router): object {
  let m = CLI_MEMBER.get(n);
  if (m === undefined) CLI_MEMBER.set(n, (m = {}));
  return m;
}

export function mcastView(nodes: (Host | Router)[]): McastView {
  const out: McastView = { joined: [], learned: [] };
  for (const n of nodes) {
    const token = CLI_MEMBER.get(n);
    for (const g of n.groups?.list() ?? []) {
      const cli = token !== undefined && n.groups!.isMember(token, parseIpv4(g.group));
      out.joined.push({ node: n.name, group: g.group, iface: g.iface, sockets: g.sockets - (cli ? 1 : 0), cli });
    }
    if (n.kind === 'router' && n.hasMulticast) for (const m of n.multicast.memberships()) out.learned.push({ router: n.name, ...m });
  }
  return out;
}
