// The topology file's format: its types, the check against schema/topology.schema.json
// and the normalising pass, with every error naming the file, the line and the path.
import type { NatPmpDoc } from '../services/registry.js';
import type { ErrorObject } from 'ajv';
import { Cidr } from '../wire/addr.js';
import { VnetError } from '../engine/errors.js';
import type { FilterSpec } from '../engine/filters/spec.js';
import { normalizeNat } from '../engine/nat/config.js';
import type { HostOptions, LanOptions, RouterOptions } from '../engine/network.js';
import { vlanIds } from './entry-methods.js';
import type { StunDoc } from '../services/stun-registry.js';
import { topologyValidator } from './method-params.js';
import { factOf, formatPath, kindOf, segmentsOf, type PathSegment } from './schema-errors.js';

export type { PathSegment } from './schema-errors.js';

/**
 * A router entry, which is also what `router.add` takes: the engine's RouterOptions with the
 * interfaces' settings grouped by interface (uplink addresses and MACs, the LAN's MAC), and VLAN
 * IDs as a list or as text ("100,20"). An option added to RouterOptions is an entry key as it is.
 */
export type RouterDoc = Omit<RouterOptions, 'ips' | 'mac' | 'vlan'> & {
  uplink?: { ips?: string[]; mac?: string };
  lan?: { mac?: string };
  vlan?: number[] | string;
  /** NAT-PMP (and PCP) on the router's LAN address: a gateway service, not an engine option. */
  natpmp?: NatPmpDoc;
  /** More LAN interfaces besides the first (lan2, lan3, ... unless named). */
  lans?: LanDoc[];
};

/** Another LAN of a router, as a router entry's `lans` lists it: the engine's LanOptions without the router. */
export type LanDoc = Omit<LanOptions, 'router' | 'vlan'> & { vlan?: number[] | string };

/** A host entry, which is also what `host.add` takes. */
export type HostDoc = HostOptions;

/** A filter: the interface it sits on (`NODE/IFACE`, or `NODE` for the default one) and its spec. */
export type FilterDoc = { on: string } & FilterSpec;

/** A name visible to hosts below `router` (left out: the root, so everywhere). */
export interface DnsDoc {
  name: string;
  ip: string;
  router?: string;
}

/** A capture entry, which is also what `capture.start` takes (with `on` as one interface or a list). */
export interface CaptureDoc {
  on: string[];
  file: string;
  format?: 'pcap' | 'pcapng';
  snaplen?: number;
  withDrops?: boolean;
}

/** A multicast route entry, which is also what `mroute.add` takes. */
export interface MrouteDoc {
  router: string;
  source: string;
  group: string;
  in: string;
  out: string[];
}

/** A group membership entry, which is also what `mcast.join` takes. */
export interface MembershipDoc {
  host: string;
  group: string;
}

export interface Topology {
  version: 1;
  clock?: 'virtual' | 'real';
  seed?: number;
  routers: RouterDoc[];
  hosts: HostDoc[];
  filters: FilterDoc[];
  dns: DnsDoc[];
  captures: CaptureDoc[];
  /** STUN servers (left out: none). */
  stun?: StunDoc[];
  /** Multicast routes and memberships: present only when the file (or the network) has some. */
  mroutes?: MrouteDoc[];
  memberships?: MembershipDoc[];
}

/** The line (1-based) of the value at `path` in the source file, or of the key when the path ends at a key. */
export type Locate = (path: readonly PathSegment[]) => number | undefined;

/** Where an entry came from, for errors found later (while applying). */
export interface EntryPlace {
  path: string;
  line?: number;
}

const entryPlaces = new WeakMap<object, EntryPlace>();
const topologyFiles = new WeakMap<Topology, string>();

/** The path and line an entry was read from, or `fallbackPath` when it was built by hand. */
export function placeOf(entry: object, fallbackPath: string): EntryPlace {
  return entryPlaces.get(entry) ?? { path: fallbackPath };
}

/** The file a topology was read from, if it was read by validateTopology. */
export function fileOf(topo: Topology): string | undefined {
  return topologyFiles.get(topo);
}

/** `topo.yaml:7: routers[1].cidr: <fact>`, as a VnetError EINVAL (exit code 2). */
export function topologyError(fileName: string, place: EntryPlace, fact: string, cause?: unknown): VnetError {
  const where = place.line !== undefined ? `${fileName}:${place.line}` : fileName;
  return new VnetError('EINVAL', `${where}: ${place.path ? `${place.path}: ` : ''}${fact}`, cause === undefined ? undefined : { cause });
}

/**
 * Checks a parsed document (from YAML or JSON) against the schema and the rules a schema cannot
 * say (unique names, no parent loops, prefixes without host bits, valid NAT options), and returns
 * it normalised: every section present, dns as a list, vlan and capture `on` as lists.
 */
export function validateTopology(doc: unknown, locate?: Locate, fileName = '<topology>'): Topology {
  const at = (path: readonly PathSegment[]): EntryPlace => ({ path: formatPath(path), line: locate?.(path) });
  const validate = topologyValidator();
  if (!validate(doc)) throw schemaError(validate.errors ?? [], doc, at, fileName);
  const d = doc as Record<string, unknown> & Partial<Omit<Topology, 'dns'>> & { dns?: Record<string, string> | DnsDoc[] };

  const topo: Topology = {
    version: 1,
    ...(d.clock !== undefined ? { clock: d.clock } : {}),
    ...(d.seed !== undefined ? { seed: d.seed } : {}),
    routers: [], hosts: [], filters: [], dns: [], captures: [],
  };
  const register = <T extends object>(list: T[], entry: T, path: PathSegment[]): void => {
    list.push(entry);
    entryPlaces.set(entry, at(path));
  };
  (d.routers ?? []).forEach((r, i) => register(topo.routers, normalizeRouter(r, at(['routers', i, 'vlan']), fileName), ['routers', i]));
  (d.hosts ?? []).forEach((h, i) => register(topo.hosts, { ...h, ...(h.ips ? { ips: [...h.ips] } : {}) }, ['hosts', i]));
  (d.filters ?? []).forEach((f, i) => register(topo.filters, copyFilter(f), ['filters', i]));
  if (Array.isArray(d.dns)) d.dns.forEach((n, i) => register(topo.dns, { ...n }, ['dns', i]));
  else for (const [name, ip] of Object.entries(d.dns ?? {})) register(topo.dns, { name, ip }, ['dns', name]);
  (d.captures ?? []).forEach((c, i) => {
    const raw = c as Omit<CaptureDoc, 'on'> & { on: string | string[] };
    register(topo.captures, { ...raw, on: typeof raw.on === 'string' ? [raw.on] : [...raw.on] }, ['captures', i]);
  });
  if (d.stun !== undefined) {
    topo.stun = [];
    d.stun.forEach((s, i) => register(topo.stun!, { ...s }, ['stun', i]));
  }
  if (d.mroutes !== undefined) {
    topo.mroutes = [];
    d.mroutes.forEach((m, i) => register(topo.mroutes!, { ...m, out: [...m.out] }, ['mroutes', i]));
  }
  if (d.memberships !== undefined) {
    topo.memberships = [];
    d.memberships.forEach((m, i) => register(topo.memberships!, { ...m }, ['memberships', i]));
  }

  checkRules(topo, at, fileName);
  topologyFiles.set(topo, fileName);
  return topo;
}

function normalizeRouter(r: RouterDoc, vlanPlace: EntryPlace, fileName: string): RouterDoc {
  const out: RouterDoc = { ...r };
  if (r.uplink) out.uplink = { ...r.uplink, ...(r.uplink.ips ? { ips: [...r.uplink.ips] } : {}) };
  if (r.lan) out.lan = { ...r.lan };
  if (r.lans) out.lans = r.lans.map((l) => ({ ...l, ...(Array.isArray(l.vlan) ? { vlan: [...l.vlan] } : {}) }));
  if (r.multicast) out.multicast = { ...r.multicast };
  if (typeof r.nat === 'object') out.nat = { ...r.nat, ...(r.nat.portRange ? { portRange: [...r.nat.portRange] as [number, number] } : {}), ...(r.nat.pairs ? { pairs: { ...r.nat.pairs } } : {}) };
  if (r.vlan !== undefined) {
    try {
      out.vlan = vlanIds(r.vlan);
    } catch (err) {
      throw topologyError(fileName, vlanPlace, (err as Error).message, err);
    }
  }
  return out;
}

function copyFilter(f: FilterDoc): FilterDoc {
  const out = { ...f };
  if (typeof f.lossModel === 'object') out.lossModel = { ...f.lossModel };
  return out;
}

/** What the schema cannot say: prefixes without host bits, NAT option combinations, unique names, no parent loops. */
function checkRules(topo: Topology, at: (path: readonly PathSegment[]) => EntryPlace, fileName: string): void {
  const seen = new Map<string, PathSegment[]>();
  const claimName = (name: string, path: PathSegment[]): void => {
    const first = seen.get(name);
    if (first) {
      const firstPlace = at(first);
      const line = firstPlace.line !== undefined ? ` (line ${firstPlace.line})` : '';
      throw topologyError(fileName, at([...path, 'name']), `"${name}" is already the name of ${firstPlace.path}${line}; every router and host needs its own name`);
    }
    seen.set(name, path);
  };
  topo.routers.forEach((r, i) => {
    try {
      Cidr.parse(r.cidr);
    } catch (err) {
      throw topologyError(fileName, at(['routers', i, 'cidr']), (err as Error).message, err);
    }
    (r.lans ?? []).forEach((l, j) => {
      try {
        Cidr.parse(l.cidr);
      } catch (err) {
        throw topologyError(fileName, at(['routers', i, 'lans', j, 'cidr']), (err as Error).message, err);
      }
    });
    if (r.nat !== undefined) {
      try {
        normalizeNat(typeof r.nat === 'string' ? { preset: r.nat } : r.nat);
      } catch (err) {
        if (!(err instanceof VnetError)) throw err;
        throw topologyError(fileName, at(['routers', i, 'nat']), err.message, err);
      }
    }
    claimName(r.name, ['routers', i]);
  });
  topo.hosts.forEach((h, i) => claimName(h.name, ['hosts', i]));
  topo.stun?.forEach((s, i) => claimName(s.name, ['stun', i]));
  const { cycle } = routerBuildOrder(topo.routers);
  if (cycle) {
    const i = topo.routers.findIndex((r) => r.name === cycle[0]);
    throw topologyError(fileName, at(['routers', i, 'parent']), `router loop: ${cycle.join(' → ')}; one router of the loop must hang below another parent or be the root`);
  }
  const names = new Map<string, number>();
  topo.dns.forEach((n, i) => {
    const key = `${n.name.toLowerCase().replace(/\.$/, '')} ${n.router ?? ''}`;
    const first = names.get(key);
    if (first !== undefined) {
      const where = placeOf(n, `dns[${i}]`);
      const firstPlace = placeOf(topo.dns[first], `dns[${first}]`);
      throw topologyError(fileName, where, `the name "${n.name}" is given twice${n.router ? ` under ${n.router}` : ''} (first at ${firstPlace.path}${firstPlace.line !== undefined ? `, line ${firstPlace.line}` : ''}); keep one`);
    }
    names.set(key, i);
  });
}

/**
 * Indexes of `routers` in an order where each router comes after its parent (when the parent is in
 * the list), otherwise keeping the list's order; or the first parent loop, as names (`a → b → a`).
 */
export function routerBuildOrder(routers: readonly { name: string; parent?: string }[]): { order: number[]; cycle?: string[] } {
  const index = new Map<string, number>();
  routers.forEach((r, i) => {
    if (!index.has(r.name)) index.set(r.name, i);
  });
  const state = new Array<0 | 1 | 2>(routers.length).fill(0); // unvisited, on the path, placed
  const order: number[] = [];
  for (let start = 0; start < routers.length; start++) {
    const path: number[] = [];
    for (let i: number | undefined = start; i !== undefined && state[i] !== 2; ) {
      if (state[i] === 1) {
        const from = path.indexOf(i);
        return { order, cycle: [...path.slice(from), i].map((k) => routers[k].name) };
      }
      state[i] = 1;
      path.push(i);
      const parent: string | undefined = routers[i].parent;
      i = parent === undefined ? undefined : index.get(parent);
    }
    for (const i of path.reverse()) {
      state[i] = 2;
      order.push(i);
    }
  }
  return { order };
}

/** One error out of ajv's list: the first in the file (deepest path on a tie), as one sentence. */
function schemaError(errors: ErrorObject[], doc: unknown, at: (path: readonly PathSegment[]) => EntryPlace, fileName: string): VnetError {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return topologyError(fileName, { path: '', line: 1 }, `the file holds ${kindOf(doc)}; a topology is a mapping with routers:, hosts:, filters:, dns: and captures:`);
  }
  let best: { line: number; depth: number; path: PathSegment[]; fact: string } | undefined;
  for (const e of errors) {
    if (e.keyword === 'propertyNames') continue; // the inner error (with propertyName) says which key
    const path = segmentsOf(e.instancePath, doc);
    const { extra, fact } = factOf(e);
    const line = at(extra !== undefined ? [...path, extra] : path).line ?? 0;
    if (!best || line < best.line || (line === best.line && path.length > best.depth)) best = { line, depth: path.length, path, fact };
  }
  if (!best) return topologyError(fileName, { path: '' }, 'does not match the topology schema');
  return topologyError(fileName, { path: formatPath(best.path), line: best.line || undefined }, best.fact);
}
