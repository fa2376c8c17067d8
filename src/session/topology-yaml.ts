// Topology files as text: YAML (or JSON) in, with a line for every path so errors name
// `FILE:LINE: path: fact`; and a Topology out as readable, stable YAML.
import { Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { VnetError } from '../engine/errors.js';
import { checkTopologyText, MAX_ALIAS_NODES, MAX_EXPANDED_DEPTH } from './topology-limits.js';
import { validateTopology, type Locate, type Topology } from './topology-schema.js';

/**
 * Parses and checks a topology file's text. Malformed YAML is an EINVAL naming FILE:LINE:COL;
 * an empty file is an empty topology. Text over the limits of topology-limits.ts, an alias to no
 * anchor, aliases that expand too far and a list or map used as a key are EINVALs naming FILE:LINE.
 */
export function parseTopology(text: string, fileName = '<topology>'): Topology {
  checkTopologyText(text, fileName);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const bad = doc.errors[0];
  if (bad) {
    const { line, col } = lines.linePos(bad.pos[0]);
    const fact = bad.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new VnetError('EINVAL', `${fileName}:${line}:${col}: malformed YAML: ${fact}; fix the syntax there`);
  }
  checkNodes(doc, lines, fileName);
  const data: unknown = doc.contents === null ? {} : doc.toJS({ maxAliasCount: -1 });
  return validateTopology(data ?? {}, locator(doc, lines), fileName);
}

/**
 * What toJS would throw or warn about, as errors with a line: aliases to no anchor, keys that are
 * lists or maps (Node warns and stringifies them), and aliases that add more than
 * MAX_ALIAS_NODES nodes or MAX_EXPANDED_DEPTH levels (an alias bomb).
 */
function checkNodes(doc: Document, lines: LineCounter, fileName: string): void {
  const at = (node: unknown): string => {
    const offset = (node as Node | null)?.range?.[0];
    return offset === undefined ? fileName : `${fileName}:${lines.linePos(offset).line}`;
  };
  // Expanded size and depth of each node, aliases followed (an anchor precedes its aliases, so this ends).
  const seen = new Map<unknown, { nodes: number; depth: number }>();
  const open = new Set<unknown>();
  let expanded = 0;
  const measure = (node: unknown): { nodes: number; depth: number } => {
    const known = seen.get(node);
    if (known) return known;
    let m = { nodes: 1, depth: 1 };
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (target === undefined) throw new VnetError('EINVAL', `${at(node)}: alias *${node.source} names no anchor before it; define &${node.source} first or write the value out`);
      if (open.has(target)) throw new VnetError('EINVAL', `${at(node)}: alias *${node.source} is inside the value it names; write the value out instead`);
      m = measure(target);
      expanded += m.nodes;
      if (expanded > MAX_ALIAS_NODES) {
        throw new VnetError('EINVAL', `${at(node)}: aliases up to *${node.source} expand to ${expanded} nodes, more than the ${MAX_ALIAS_NODES} a topology file may (an alias bomb?); write the values out instead`);
      }
    } else if (isMap(node) || isSeq(node)) {
      open.add(node);
      let nodes = 1;
      let depth = 0;
      for (const item of node.items as unknown[]) {
        const parts = isPair(item) ? [item.key, item.value] : [item];
        if (isPair(item) && !plainKey(doc, item.key)) {
          const kind = isSeq(item.key) ? 'a list' : isMap(item.key) ? 'a map' : 'a value that is not text or a number';
          throw new VnetError('EINVAL', `${at(item.key)}: ${kind} is used as a key; keys are plain names such as routers or name`);
        }
        for (const part of parts) {
          if (part === null || part === undefined) continue;
          const sub = measure(part);
          nodes += sub.nodes;
          depth = Math.max(depth, sub.depth);
        }
      }
      open.delete(node);
      m = { nodes, depth: depth + 1 };
      if (m.depth > MAX_EXPANDED_DEPTH) throw new VnetError('EINVAL', `${at(node)}: lists and maps nest ${m.depth} levels deep here (aliases expanded), more than ${MAX_EXPANDED_DEPTH}; flatten it`);
    }
    seen.set(node, m);
    return m;
  };
  if (doc.contents !== null) measure(doc.contents);
}

/** A key JavaScript keeps as it is: a scalar (or an alias to one) whose value is not an object (a list, a map, !!binary bytes). */
function plainKey(doc: Document, key: unknown): boolean {
  const node = isAlias(key) ? key.resolve(doc) : key;
  if (node === null || node === undefined) return true;
  if (!isScalar(node)) return false;
  return typeof node.value !== 'object' || node.value === null;
}

/** Line of the node at `path`: a map entry's key line, a list item's first line; the deepest existing ancestor when the path runs out. */
function locator(doc: Document, lines: LineCounter): Locate {
  const lineOf = (offset: number | undefined): number | undefined => (offset === undefined ? undefined : lines.linePos(offset).line);
  return (path) => {
    let node: unknown = doc.contents;
    let line = lineOf((node as Node | null)?.range?.[0]);
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) break;
        line = lineOf((pair.key as Node | null)?.range?.[0]) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        line = lineOf(item.range?.[0]) ?? line;
        node = item;
      } else {
        break;
      }
    }
    return line;
  };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

/** Entries whose JSON is at most this long are written on one line. */
const FLOW_WIDTH = 100;

/** A value inside a long entry on one line; a list of maps (a router's `lans`) one map a line. */
function flowValue(v: unknown): void {
  if (isSeq(v) && v.items.some((x) => isMap(x))) {
    for (const x of v.items) flowValue(x);
  } else if (isMap(v) || isSeq(v)) {
    v.flow = true;
  }
}

/** The topology as YAML: sections in a fixed order, empty ones left out, simple entries on one line. */
export function topologyToYaml(topo: Topology): string {
  const plain: Record<string, unknown> = { version: 1 };
  if (topo.clock !== undefined) plain.clock = topo.clock;
  if (topo.seed !== undefined) plain.seed = topo.seed;
  if (topo.routers.length > 0) plain.routers = topo.routers;
  if (topo.hosts.length > 0) plain.hosts = topo.hosts;
  if (topo.filters.length > 0) plain.filters = topo.filters;
  if (topo.dns.length > 0) {
    // A map NAME: IP when every name is visible everywhere; a list when some belong to a router.
    plain.dns = topo.dns.every((n) => n.router === undefined) ? Object.fromEntries(topo.dns.map((n) => [n.name, n.ip])) : topo.dns;
  }
  if (topo.captures.length > 0) plain.captures = topo.captures;
  if (topo.stun !== undefined && topo.stun.length > 0) plain.stun = topo.stun;
  if (topo.mroutes !== undefined && topo.mroutes.length > 0) plain.mroutes = topo.mroutes;
  if (topo.memberships !== undefined && topo.memberships.length > 0) plain.memberships = topo.memberships;
  const doc = new Document(JSON.parse(JSON.stringify(plain)) as unknown);
  doc.commentBefore = ' vnet topology: `vnet apply -f FILE` adds it to a session, `vnet up -f FILE` starts one from it';
  for (const section of ['routers', 'hosts', 'filters', 'dns', 'captures', 'stun', 'mroutes', 'memberships']) {
    const list = doc.get(section, true);
    if (!isSeq(list)) continue;
    for (const item of list.items) {
      if (!isMap(item)) continue;
      // Short entries on one line; longer ones one key a line, with their small values on one line.
      if (JSON.stringify(item.toJSON()).length <= FLOW_WIDTH) item.flow = true;
      else for (const p of item.items) flowValue(p.value);
    }
  }
  return doc.toString({ lineWidth: 0 });
}
