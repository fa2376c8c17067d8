// What of a topology does not carry over to a Linux lab (network namespaces, or containerlab), one
// fact a line. The analysis is a list of checks over the topology document: a new feature adds one
// check, and an entry key or section no check knows is listed by itself, so nothing new is ever
// dropped silently.
import { clabNetem, netnsQdiscs } from './export-filters.js';
import { STUN_ALT_PORT, STUN_PORT } from '../services/stun-server.js';
import { natRules } from './export-nat.js';
import type { LabPlan } from './export-plan.js';
import type { Topology } from './topology-schema.js';

export type LabFormat = 'netns' | 'containerlab';

/** One thing that does not carry over: where it is (a router, a filter, the session) and what. */
export interface Gap {
  where: string;
  what: string;
}

/** What the session holds besides the document (the CLI asks for it); counts of bridged programs. */
export interface SessionExtras {
  proxies?: number;
  maps?: number;
}

export interface GapContext {
  topo: Topology;
  plan: LabPlan;
  format: LabFormat;
  extras: SessionExtras;
}

type GapCheck = (ctx: GapContext) => Gap[];

/**
 * The keys each entry kind may have that the generators read (or a check below reports). Anything
 * else in the document (a section or key added by a later feature) is reported as not carried over.
 */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': ['version', 'clock', 'seed', 'routers', 'hosts', 'filters', 'dns', 'captures', 'stun', 'mroutes', 'memberships'],
  routers: ['name', 'cidr', 'parent', 'parentLan', 'gateway', 'uplink', 'lan', 'lans', 'nat', 'natpmp', 'multicast', 'minDelay', 'maxJitter', 'queueSize', 'icmpRatelimit', 'mtu', 'vlan'],
  // netns: a transparent host is a namespace in the lab too, with the same eth0, addresses and routes.
  hosts: ['name', 'router', 'lan', 'ips', 'mac', 'mtu', 'netns'],
  filters: ['on', 'direction', 'loss', 'lossModel', 'duplicate', 'delay', 'jitter', 'preserveOrder', 'rate', 'burst', 'queue', 'overhead', 'dropMatch', 'seed'],
  dns: ['name', 'ip', 'router'],
  captures: ['on', 'file', 'format', 'snaplen', 'withDrops'],
  stun: ['name', 'router', 'ip', 'altIp', 'port', 'altPort'],
  mroutes: ['router', 'source', 'group', 'in', 'out'],
  memberships: ['host', 'group'],
};

const entryName = (e: unknown, i: number): string => {
  const o = e as { name?: unknown; on?: unknown };
  return typeof o?.name === 'string' ? o.name : typeof o?.on === 'string' ? `on ${o.on}` : `#${i + 1}`;
};

/** Sections and entry keys that no generator reads. */
const unknownKeys: GapCheck = ({ topo }) => {
  const out: Gap[] = [];
  const doc = topo as unknown as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!KNOWN_KEYS[''].includes(key)) out.push({ where: key, what: 'this section is not known to the exporter; not carried over' });
  }
  for (const [section, keys] of Object.entries(KNOWN_KEYS)) {
    if (section === '' || !Array.isArray(doc[section])) continue;
    (doc[section] as unknown[]).forEach((entry, i) => {
      if (entry === null || typeof entry !== 'object') return;
      for (const key of Object.keys(entry)) {
        if (!keys.includes(key)) out.push({ where: `${section} ${entryName(entry, i)}`, what: `${key}: not known to the exporter; not carried over` });
      }
    });
  }
  return out;
};

const virtualClock: GapCheck = ({ topo }) =>
  topo.clock === 'virtual' ? [{ where: 'clock', what: 'the virtual clock: a Linux lab runs in real time (nothing waits for `vnet clock advance`)' }] : [];

/**
 * The seed matters when something draws from it in normal operation: loss, jitter, duplication, or a NAT that
 * picks every port at random. (A port kept when free and drawn only on a collision is not counted.)
 */
const determinism: GapCheck = ({ plan }) => {
  const random = plan.filters.some((f) => f.spec.lossProbability !== undefined || f.spec.lossModel !== undefined || f.spec.jitterNs > 0 || f.spec.duplicate !== undefined)
    || plan.routers.some((r) => (r.nat !== null && r.nat.mode === 'napt' && r.nat.allocation === 'random' && !r.nat.portPreservation) || r.doc.maxJitter !== undefined);
  return random ? [{ where: 'seed', what: 'seeded determinism: the kernel draws its own random numbers (loss, jitter, ports), so runs differ' }] : [];
};

const nat: GapCheck = ({ plan }) => plan.routers.flatMap((r) => (natRules(r)?.gaps ?? []).map((what) => ({ where: `router ${r.name} NAT`, what })));

const routerQueues: GapCheck = ({ plan }) =>
  plan.routers.flatMap((r) => {
    const out: Gap[] = [];
    if (r.doc.minDelay !== undefined || r.doc.maxJitter !== undefined) {
      out.push({ where: `router ${r.name}`, what: `forwarding delay${r.doc.minDelay !== undefined ? ` minDelay ${r.doc.minDelay}` : ''}${r.doc.maxJitter !== undefined ? ` maxJitter ${r.doc.maxJitter}` : ''}: not carried over (add a filter with delay on its interfaces instead)` });
    }
    if (r.doc.queueSize !== undefined) out.push({ where: `router ${r.name}`, what: `queueSize ${r.doc.queueSize}: Linux routers have no such queue; not carried over` });
    return out;
  });

const vlans: GapCheck = ({ plan }) =>
  plan.routers.flatMap((r) => [
    ...(r.doc.vlan !== undefined ? [{ where: `router ${r.name}`, what: `VLAN tags ${JSON.stringify(r.doc.vlan)}: the lab's links are untagged; not carried over` }] : []),
    ...(r.doc.lans ?? []).flatMap((l, i) => (l.vlan !== undefined ? [{ where: `router ${r.name}/${r.lans[i + 1].name}`, what: `VLAN tags ${JSON.stringify(l.vlan)}: the lab's links are untagged; not carried over` }] : [])),
  ]);

/** Where a Linux router needs a daemon the lab does not start: a multicast routing daemon, a NAT-PMP/PCP server. */
const routerDaemons: GapCheck = ({ plan, topo }) =>
  plan.routers.flatMap((r) => {
    const out: Gap[] = [];
    const m = r.doc.multicast ?? {};
    // Forwarding is on when the entry says so or the router has routes (`mroute add` turns it on).
    if (m.forwarding === true || (m.forwarding === undefined && (topo.mroutes ?? []).some((x) => x.router === r.name))) {
      const opts = [...(m.compat !== undefined ? [`compat ${m.compat}`] : []), ...(m.pendingQueueSize !== undefined ? [`pendingQueueSize ${m.pendingQueueSize}`] : [])];
      out.push({ where: `router ${r.name}`, what: `multicast forwarding${opts.length > 0 ? ` (${opts.join(', ')})` : ''}: Linux forwards multicast only while a routing daemon holds its multicast routing socket (smcroute, pimd), which the lab does not install or start; nor is ${r.name} the IGMP querier of its LANs; not carried over` });
    }
    if (r.doc.natpmp !== undefined) {
      const pcp = typeof r.doc.natpmp === 'object' && r.doc.natpmp.pcp === true;
      out.push({ where: `router ${r.name}`, what: `natpmp: NAT-PMP${pcp ? ' and PCP' : ''} on UDP 5351 of its LAN addresses: not carried over; miniupnpd in its namespace would be the Linux equivalent, and the script configures none (clients get port unreachable and no mappings)` });
    }
    return out;
  });

/** Static multicast routes and memberships: in Linux, a daemon's or a program's (smcroute, which the lab does not assume). */
const multicastEntries: GapCheck = ({ topo }) => [
  ...(topo.mroutes ?? []).map((m) => ({
    where: `mroutes ${m.router}`,
    what: `(${m.source}, ${m.group}) in ${m.in} out ${m.out.join(' ')}: a static multicast route needs smcroute in ${m.router}'s namespace (smcroute.conf: mroute from ${m.in} source ${m.source} group ${m.group} to ${m.out.map((o) => o.split(':')[0]).join(' ')}${m.out.some((o) => o.includes(':')) ? '; thresholds are per interface there, phyint IFACE ttl-threshold N' : ''}), which the lab does not install or start; not carried over`,
  })),
  ...(topo.memberships ?? []).map((m) => ({
    where: `memberships ${m.host}`,
    what: `${m.group}: no program in the lab joins the group, so ${m.host} sends no IGMP reports; run a receiver there (or smcroute's mgroup); not carried over`,
  })),
];

/** A STUN server is a host in the lab (its addresses, MAC and routes), but nothing answers STUN there. */
const stunServers: GapCheck = ({ topo }) =>
  (topo.stun ?? []).map((s) => ({
    where: `stun ${s.name}`,
    what: `exported as a plain host at ${s.ip}${s.altIp !== undefined ? ` and ${s.altIp}` : ''}; no STUN server runs there (run one in its namespace, e.g. stuntman's stunserver${s.altIp !== undefined ? ' in full mode for RFC 5780' : ''}, on port ${s.port ?? STUN_PORT}${s.altIp !== undefined ? ` and ${s.altPort ?? STUN_ALT_PORT}` : ''})`,
  }));

const filters: GapCheck = ({ plan, format }) =>
  (format === 'netns' ? netnsQdiscs(plan).gaps : clabNetem(plan).gaps).map((g) => {
    const colon = g.indexOf(': ');
    return { where: g.slice(0, colon), what: g.slice(colon + 2) };
  });

const dnsNames: GapCheck = ({ topo }) =>
  topo.dns.map((n) => ({ where: 'dns', what: `${n.name} → ${n.ip}${n.router !== undefined ? ` (below ${n.router})` : ''}: the session's names are not carried over; use /etc/hosts or a DNS server` }));

const captures: GapCheck = ({ topo }) =>
  topo.captures.map((c) => ({ where: 'captures', what: `${c.on.join(', ')} → ${c.file}: not carried over; run tcpdump on those interfaces` }));

const bridged: GapCheck = ({ extras }) => [
  ...(extras.proxies ? [{ where: 'proxies', what: `${extras.proxies} proxied real server(s) (\`vnet proxy\`): not carried over; run the servers inside the lab` }] : []),
  ...(extras.maps ? [{ where: 'maps', what: `${extras.maps} mapped real client(s) (\`vnet map\`): not carried over; run the clients inside the lab` }] : []),
];

/** Every check, in the order the header lists their findings. A new feature adds its check here. */
export const GAP_CHECKS: readonly GapCheck[] = [unknownKeys, virtualClock, determinism, nat, routerQueues, vlans, routerDaemons, multicastEntries, stunServers, filters, dnsNames, captures, bridged];

/** Everything of the topology that does not carry over to `format`. */
export function exportGaps(ctx: GapContext): Gap[] {
  return GAP_CHECKS.flatMap((check) => check(ctx));
}

/** The comment block both outputs begin with: one gap a line (`# - where: what`), or a line saying there is none. */
export function gapHeader(gaps: readonly Gap[], format: LabFormat): string[] {
  const lines = [`# Does not carry over from vnet to ${format === 'netns' ? 'Linux network namespaces' : 'containerlab'} (${gaps.length === 0 ? 'nothing' : `${gaps.length} item${gaps.length === 1 ? '' : 's'}`}):`];
  for (const g of gaps) lines.push(`# - ${g.where}: ${g.what}`.replace(/\n/g, ' '));
  if (gaps.length === 0) lines.push('# - (everything in this topology carries over)');
  return lines;
}
