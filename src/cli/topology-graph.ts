// The session's topology drawn for people: a text tree (`vnet show`), Graphviz dot and Mermaid
// (`--format dot|mermaid`), all from one nested form built from `status` (routers, hosts, filters).
import type { FilterInfo } from '../engine/filter-registry.js';
import type { HostView, RouterView } from '../session/views.js';

export interface TopologyHost {
  name: string;
  ips: string[];
  /** Filters on the host's interfaces, one line each ("1 alice/eth0: egress loss 2%"). */
  filters: string[];
}

export interface TopologyRouter {
  name: string;
  cidr: string;
  gateway: string;
  /** The NAT in one line, or "none" (the root, plain routed hops). */
  nat: string;
  uplink: string[];
  filters: string[];
  /** What is on the first LAN. */
  hosts: TopologyHost[];
  routers: TopologyRouter[];
  /** The router's other LANs (lan2, ...), each with what is on it. */
  lans: TopologyLan[];
}

export interface TopologyLan {
  name: string;
  cidr: string;
  gateway: string;
  hosts: TopologyHost[];
  routers: TopologyRouter[];
}

/** The routers as trees (normally one, the root), each with its hosts and child routers. */
export function topologyTree(routers: RouterView[], hosts: HostView[], filters: FilterInfo[]): TopologyRouter[] {
  const filtersOf = (node: string): string[] =>
    filters.filter((f) => f.iface.split('/')[0] === node).map((f) => `${f.id} ${f.iface}: ${f.description}${f.held ? ` (holding ${f.held})` : ''}`);
  const hostsByName = new Map(hosts.map((h) => [h.name, h]));
  const byName = new Map(routers.map((r) => [r.name, r]));
  const hostsOf = (names: string[]): TopologyHost[] => names.flatMap((n) => {
    const h = hostsByName.get(n);
    return h ? [{ name: h.name, ips: h.ips, filters: filtersOf(h.name) }] : [];
  });
  const routersOf = (names: string[]): TopologyRouter[] => names.flatMap((n) => {
    const c = byName.get(n);
    return c ? [build(c)] : [];
  });
  // Views without `lans` (an older daemon) hold everything on the first LAN.
  const build = (r: RouterView): TopologyRouter => {
    const [first, ...more] = r.lans ?? [];
    return {
      name: r.name, cidr: r.cidr, gateway: r.gateway, nat: r.nat, uplink: r.uplink, filters: filtersOf(r.name),
      hosts: hostsOf(first ? first.hosts : r.hosts),
      routers: routersOf(first ? first.children : r.children),
      lans: more.map((l) => ({ name: l.name, cidr: l.cidr, gateway: l.gateway, hosts: hostsOf(l.hosts), routers: routersOf(l.children) })),
    };
  };
  return routers.filter((r) => r.parent === null || !byName.has(r.parent)).map(build);
}

const allHosts = (r: TopologyRouter): TopologyHost[] => [...r.hosts, ...r.lans.flatMap((l) => l.hosts)];
const allRouters = (r: TopologyRouter): TopologyRouter[] => [...r.routers, ...r.lans.flatMap((l) => l.routers)];

const routerLine = (r: TopologyRouter, root: boolean): string =>
  `router ${r.name} ${r.cidr} gateway ${r.gateway}${r.uplink.length ? ` uplink ${r.uplink.join(',')}` : ''}${root ? '' : ` nat ${r.nat}`}`;
const hostLine = (h: TopologyHost): string => `host ${h.name} ${h.ips.join(',')}`;

/** The tree with box-drawing branches, like `tree(1)`; filters as `filter ...` leaves of their node. */
export function topologyText(trees: TopologyRouter[]): string[] {
  if (trees.length === 0) return ['no routers; `vnet router add internet --cidr 0.0.0.0/0` adds the root'];
  const lines: string[] = [];
  type Entry = { line: string; children: Entry[] };
  const hostEntry = (h: TopologyHost): Entry => ({ line: hostLine(h), children: h.filters.map((f) => ({ line: `filter ${f}`, children: [] })) });
  const routerEntry = (r: TopologyRouter, root: boolean): Entry => ({
    line: routerLine(r, root),
    children: [
      ...r.filters.map((f) => ({ line: `filter ${f}`, children: [] })),
      ...r.hosts.map(hostEntry),
      ...r.routers.map((c) => routerEntry(c, false)),
      ...r.lans.map((l) => ({
        line: `lan ${r.name}/${l.name} ${l.cidr} gateway ${l.gateway}`,
        children: [...l.hosts.map(hostEntry), ...l.routers.map((c) => routerEntry(c, false))],
      })),
    ],
  });
  const draw = (e: Entry, prefix: string): void => {
    e.children.forEach((c, i) => {
      const last = i === e.children.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${c.line}`);
      draw(c, prefix + (last ? '    ' : '│   '));
    });
  };
  for (const t of trees) {
    const e = routerEntry(t, true);
    lines.push(e.line);
    draw(e, '');
  }
  return lines;
}

/** Graphviz: routers as boxes, hosts as ellipses, an edge from each router to what hangs below it. */
export function topologyDot(trees: TopologyRouter[]): string[] {
  const q = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const label = (parts: string[]): string => q(parts.join('\n')).replace(/\n/g, '\\n');
  const lines = ['digraph vnet {', '  rankdir=TB;', '  node [fontname="Helvetica", fontsize=10];'];
  const walk = (r: TopologyRouter, root: boolean): void => {
    const parts = [r.name, r.cidr, ...r.lans.map((l) => `${l.name} ${l.cidr}`), ...(r.uplink.length ? [`uplink ${r.uplink.join(', ')}`] : []), ...(root ? [] : [`NAT ${r.nat}`]), ...r.filters.map((f) => `filter ${f}`)];
    lines.push(`  ${q(`router:${r.name}`)} [shape=box, label=${label(parts)}];`);
    for (const h of allHosts(r)) {
      lines.push(`  ${q(`host:${h.name}`)} [shape=ellipse, label=${label([h.name, ...h.ips, ...h.filters.map((f) => `filter ${f}`)])}];`);
      lines.push(`  ${q(`router:${r.name}`)} -> ${q(`host:${h.name}`)};`);
    }
    for (const c of allRouters(r)) {
      walk(c, false);
      lines.push(`  ${q(`router:${r.name}`)} -> ${q(`router:${c.name}`)};`);
    }
  };
  for (const t of trees) walk(t, true);
  lines.push('}');
  return lines;
}

/** Mermaid flowchart: routers as rectangles, hosts as stadiums; ids are r0, h1, ... (names may hold `-` or `.`). */
export function topologyMermaid(trees: TopologyRouter[]): string[] {
  const text = (parts: string[]): string => `"${parts.map((p) => p.replace(/"/g, '#quot;')).join('<br/>')}"`;
  const lines = ['flowchart TD'];
  let next = 0;
  const walk = (r: TopologyRouter, root: boolean): string => {
    const id = `r${next++}`;
    const parts = [`<b>${r.name}</b>`, r.cidr, ...r.lans.map((l) => `${l.name} ${l.cidr}`), ...(r.uplink.length ? [`uplink ${r.uplink.join(', ')}`] : []), ...(root ? [] : [`NAT ${r.nat}`]), ...r.filters.map((f) => `filter ${f}`)];
    lines.push(`  ${id}[${text(parts)}]`);
    for (const h of allHosts(r)) {
      const hid = `h${next++}`;
      lines.push(`  ${hid}([${text([h.name, ...h.ips, ...h.filters.map((f) => `filter ${f}`)])}])`);
      lines.push(`  ${id} --> ${hid}`);
    }
    for (const c of allRouters(r)) lines.push(`  ${id} --> ${walk(c, false)}`);
    return id;
  };
  for (const t of trees) walk(t, true);
  return lines;
}
