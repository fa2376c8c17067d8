// The topology file's format: its types, the check against schema/topology.schema.json
// and the normalising pass, with every error naming the file, the line and the path.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Cidr } from '../wire/addr.js';
import { VnetError } from '../engine/errors.js';
import type { FilterSpec } from '../engine/filters/spec.js';
import { normalizeNat, type NatOptions, type NatPresetName } from '../engine/nat/config.js';

export interface RouterDoc {
  name: string;
  cidr: string;
  parent?: string;
  gateway?: string;
  uplink?: { ips?: string[]; mac?: string };
  lan?: { mac?: string };
  nat?: NatPresetName | NatOptions;
  minDelay?: string | number;
  maxJitter?: string | number;
  queueSize?: number;
  mtu?: number;
  vlan?: number[];
}

export interface HostDoc {
  name: string;
  router: string;
  ips?: string[];
  mac?: string;
  mtu?: number;
}

/** A filter: the interface it sits on (`NODE/IFACE`, or `NODE` for the default one) and its spec. */
export type FilterDoc = { on: string } & FilterSpec;

/** A name visible to hosts below `router` (left out: the root, so everywhere). */
export interface DnsDoc {
  name: string;
  ip: string;
  router?: string;
}

export interface CaptureDoc {
  on: string[];
  file: string;
  format?: 'pcap' | 'pcapng';
  snaplen?: number;
  withDrops?: boolean;
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
}

export type PathSegment = string | number;
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

/** `routers[1].uplink.ips[0]`, `dns["server.example"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

let compiled: ValidateFunction | undefined;

/** The JSON Schema shipped in the package (schema/topology.schema.json), parsed. */
export function topologySchema(): Record<string, unknown> {
  // dist/src/session/ → the package root.
  return JSON.parse(readFileSync(new URL('../../../schema/topology.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
}

function schemaValidator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strict: true }).compile(topologySchema());
  return compiled;
}

/**
 * Checks a parsed document (from YAML or JSON) against the schema and the rules a schema cannot
 * say (unique names, no parent loops, prefixes without host bits, valid NAT options), and returns
 * it normalised: every section present, dns as a list, vlan and capture `on` as lists.
 */
export function validateTopology(doc: unknown, locate?: Locate, fileName = '<topology>'): Topology {
  const at = (path: readonly PathSegment[]): EntryPlace => ({ path: formatPath(path), line: locate?.(path) });
  const validate = schemaValidator();
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
  (d.routers ?? []).forEach((r, i) => register(topo.routers, normalizeRouter(r as RouterDoc & { vlan?: number[] | string }, at(['routers', i, 'vlan']), fileName), ['routers', i]));
  (d.hosts ?? []).forEach((h, i) => register(topo.hosts, { ...h, ...(h.ips ? { ips: [...h.ips] } : {}) }, ['hosts', i]));
  (d.filters ?? []).forEach((f, i) => register(topo.filters, copyFilter(f), ['filters', i]));
  if (Array.isArray(d.dns)) d.dns.forEach((n, i) => register(topo.dns, { ...n }, ['dns', i]));
  else for (const [name, ip] of Object.entries(d.dns ?? {})) register(topo.dns, { name, ip }, ['dns', name]);
  (d.captures ?? []).forEach((c, i) => {
    const raw = c as Omit<CaptureDoc, 'on'> & { on: string | string[] };
    register(topo.captures, { ...raw, on: typeof raw.on === 'string' ? [raw.on] : [...raw.on] }, ['captures', i]);
  });

  checkRules(topo, at, fileName);
  topologyFiles.set(topo, fileName);
  return topo;
}

function normalizeRouter(r: RouterDoc & { vlan?: number[] | string }, vlanPlace: EntryPlace, fileName: string): RouterDoc {
  const out: RouterDoc = { ...r, vlan: undefined };
  if (r.uplink) out.uplink = { ...r.uplink, ...(r.uplink.ips ? { ips: [...r.uplink.ips] } : {}) };
  if (r.lan) out.lan = { ...r.lan };
  if (typeof r.nat === 'object') out.nat = { ...r.nat, ...(r.nat.portRange ? { portRange: [...r.nat.portRange] as [number, number] } : {}), ...(r.nat.pairs ? { pairs: { ...r.nat.pairs } } : {}) };
  if (r.vlan !== undefined) {
    const ids = typeof r.vlan === 'string' ? r.vlan.split(',').map((s) => Number(s.trim())) : [...r.vlan];
    const bad = ids.find((v) => v < 1 || v > 4094);
    if (bad !== undefined) throw topologyError(fileName, vlanPlace, `VLAN ID ${bad} is not 1-4094`);
    out.vlan = ids;
  } else {
    delete out.vlan;
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

// ---- schema errors → one sentence ----

const TYPE_NAMES: Record<string, string> = {
  integer: 'a whole number', number: 'a number', string: 'a string', boolean: 'true or false', array: 'a list', object: 'a mapping', null: 'empty',
};

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number') return Number.isInteger(v) ? 'a whole number' : 'a number';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return 'a string';
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return kindOf(v);
}

/** The instance path as segments, with list indexes as numbers (decided by walking `doc`). */
function segmentsOf(instancePath: string, doc: unknown): PathSegment[] {
  const out: PathSegment[] = [];
  let node = doc;
  for (const raw of instancePath.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const seg: PathSegment = Array.isArray(node) ? Number(key) : key;
    out.push(seg);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return out;
}

function factOf(e: ErrorObject): { extra?: string; fact: string } {
  const p = e.params as Record<string, unknown>;
  const schema = (e.parentSchema ?? {}) as { title?: string; properties?: Record<string, unknown>; required?: string[] };
  const v = e.data;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      return { extra: key, fact: `unknown key "${key}" (allowed: ${Object.keys(schema.properties ?? {}).join(', ')})` };
    }
    case 'required':
      return { fact: `missing key "${String(p.missingProperty)}" (required: ${(schema.required ?? []).join(', ')})` };
    case 'type': {
      const want = String(p.type).split(',').map((t) => TYPE_NAMES[t] ?? t).join(' or ');
      return { fact: `${typeof v === 'object' || v === undefined ? 'got' : `${show(v)} is`} ${kindOf(v)}, want ${want}` };
    }
    case 'pattern':
      if (e.propertyName !== undefined) return { extra: e.propertyName, fact: `key "${e.propertyName}" is not ${schema.title ?? `matching ${String(p.pattern)}`}` };
      return { fact: `${show(v)} is not ${schema.title ?? `matching ${String(p.pattern)}`}` };
    case 'enum':
      return { fact: `${show(v)} is not one of ${(p.allowedValues as unknown[]).map(String).join(', ')}` };
    case 'const':
      return { fact: `${show(v)} is not supported; want ${String(p.allowedValue)}` };
    case 'minimum':
      return { fact: `${show(v)} is less than ${String(p.limit)}` };
    case 'maximum':
      return { fact: `${show(v)} is more than ${String(p.limit)}` };
    case 'exclusiveMinimum':
      return { fact: `${show(v)} must be more than ${String(p.limit)}` };
    case 'minItems':
      return { fact: `${(v as unknown[]).length} items given, want at least ${String(p.limit)}` };
    case 'maxItems':
      return { fact: `${(v as unknown[]).length} items given, want at most ${String(p.limit)}` };
    case 'not':
      return { fact: v === '-' ? '"-" (stdout) cannot be a capture file of a session; name a file, or stream with `vnet capture start IFACE -w -`' : `${show(v)} is not allowed here` };
    case 'minLength':
      return { fact: 'is empty; give a value' };
    default:
      return { fact: `${show(v)}: ${e.message ?? 'is invalid'}` };
  }
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
