// The parameters of each session method as a JSON Schema, and the one check of them that
// Session.call makes before a method runs. The methods that create what a topology file holds
// (`router.add`, `host.add`, `dns.add`, `filter.add`, `capture.start`) take the file's entries
// as they are: their schemas are the definitions of schema/topology.schema.json, so a value is
// judged by one definition and its error says the same fact wherever it was typed.
import { readFileSync } from 'node:fs';
import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import { VnetError } from '../engine/errors.js';
import { factOf, formatPath, segmentsOf } from './schema-errors.js';

type Schema = Record<string, unknown>;

/** The JSON Schema shipped in the package (schema/topology.schema.json), parsed. */
export function topologySchema(): Schema {
  // dist/src/session/ → the package root.
  return JSON.parse(readFileSync(new URL('../../../schema/topology.schema.json', import.meta.url), 'utf8')) as Schema;
}

const TOPOLOGY_ID = 'https://github.com/vnet/vnet/schema/topology.schema.json';
const def = (name: string): Schema => ({ $ref: `${TOPOLOGY_ID}#/definitions/${name}` });

/** A part copied out of the topology schema, with its `#/definitions/...` references made to point back into it. */
function copied<T>(part: T): T {
  return JSON.parse(JSON.stringify(part).replace(/"\$ref":"#\//g, `"$ref":"${TOPOLOGY_ID}#/`)) as T;
}

/** An object with exactly these keys (`required` among them). */
function params(properties: Record<string, unknown>, required: string[] = []): Schema {
  return { type: 'object', additionalProperties: false, required, properties };
}

const text = { type: 'string', minLength: 1 };
/** An id as `vnet WHAT ls` shows it; the method says when it is not a whole number. */
const anyId = { type: ['integer', 'string'] };
const none = params({});

/** Method name → its params schema, built from the topology schema's definitions. */
function methodSchemas(topology: Schema): Record<string, Schema> {
  const defs = topology.definitions as Record<string, Schema>;
  const filter = copied(defs.filter) as { properties: Record<string, unknown> };
  const { on: _on, ...filterSpec } = filter.properties;
  const capture = copied(defs.capture) as { properties: Record<string, unknown> };
  return {
    status: none,
    'router.add': def('router'),
    'router.ls': none,
    'router.show': params({ name: text }, ['name']),
    'router.rm': params({ name: text }, ['name']),
    // A router entry's `lans` item, and the router it goes on.
    'router.iface.add': params({ router: text, ...(copied(defs.lan) as { properties: Record<string, unknown> }).properties }, ['router', 'cidr']),
    'router.iface.rm': params({ router: text, name: def('lanName') }, ['router', 'name']),
    'host.add': def('host'),
    'host.ls': none,
    'host.show': params({ name: text }, ['name']),
    'host.rm': params({ name: text }, ['name']),
    'nat.show': params({ router: text }, ['router']),
    'nat.set': params({ router: text, nat: { $ref: `${TOPOLOGY_ID}#/definitions/router/properties/nat` } }, ['router', 'nat']),
    'dns.add': def('dnsRecord'),
    'dns.ls': none,
    'dns.rm': params({ name: text, router: text }, ['name']),
    'filter.add': def('filter'),
    // `unset` names settings to remove (`filter change --unset NAME`).
    'filter.change': params({ id: anyId, ...filterSpec, unset: { type: 'array', items: { enum: Object.keys(filterSpec) }, uniqueItems: true } }, ['id']),
    'filter.ls': params({ iface: text }),
    'filter.rm': params({ id: anyId }, ['id']),
    'clock.show': none,
    'clock.advance': params({ duration: def('duration') }, ['duration']),
    // A capture entry; the file may be left out to stream to the caller, and pcap timestamps may be in µs.
    'capture.start': params({
      ...capture.properties,
      stream: { description: 'Send the file\'s bytes to the caller instead of a file.', type: 'boolean' },
      resolution: { description: 'pcap timestamps: ns (default) or us.', enum: ['ns', 'us'] },
      followSymlink: { description: 'Write through a symlink at the file\'s path instead of refusing it.', type: 'boolean' },
    }, ['on']),
    'capture.ls': none,
    'capture.stop': params({ id: anyId, all: { type: 'boolean' } }),
    events: params({ follow: { type: 'boolean' } }),
    // The types of send's and listen's params; their ranges (count, size, one payload) the methods say themselves.
    send: params({
      host: text, dest: text, fromPort: { type: 'integer' }, data: { type: 'string' }, hex: { type: 'string' }, size: { type: 'integer' },
      count: { type: 'integer' }, interval: def('duration'), waitMs: { type: 'number', minimum: 0 }, replies: { type: 'integer', minimum: 1 },
      ttl: { type: 'integer', minimum: 0, maximum: 255 },
    }, ['host', 'dest']),
    listen: params({
      host: text, port: { type: 'integer' }, address: text, count: { type: 'integer' }, timeoutMs: { type: 'number', minimum: 0 }, echo: { type: 'boolean' },
      group: { anyOf: [def('ipv4'), { type: 'array', items: def('ipv4'), minItems: 1 }] },
    }, ['host', 'port']),
    // Bridge endpoints are checked by the bridge (ADDRESS:PORT, loopback); missing ones are named there with an example.
    'proxy.add': params({ real: text, as: text, router: text }),
    'proxy.ls': none,
    'proxy.rm': params({ id: anyId }, ['id']),
    'map.add': params({ host: text, listen: text, remote: text, port: { type: 'integer', minimum: 1, maximum: 65535 }, allowRemote: { type: 'boolean' } }),
    'map.ls': none,
    'map.set': params({ id: anyId, remote: text }, ['id']),
    'map.rm': params({ id: anyId }, ['id']),
    // Gateway services: NAT-PMP/PCP on a router, and the client run from a host.
    'natpmp.enable': params({ router: text, ...(copied(defs.natpmp) as { oneOf: { properties?: Record<string, unknown> }[] }).oneOf[1].properties }, ['router']),
    'natpmp.disable': params({ router: text }, ['router']),
    'natpmp.reset': params({ router: text }, ['router']),
    'natpmp.show': params({ router: text }, ['router']),
    'natpmp.ls': none,
    'natpmp.request': params({
      host: text, protocol: { enum: ['udp', 'tcp'] }, port: { type: 'integer', minimum: 1, maximum: 65535 }, external: { type: 'integer', minimum: 0, maximum: 65535 },
      lifetime: { type: 'integer', minimum: 0, maximum: 4294967295 }, pcp: { type: 'boolean' }, nonce: { type: 'string', pattern: '^[0-9a-fA-F]{24}$' },
    }, ['host', 'protocol', 'port']),
    'natpmp.external': params({ host: text }, ['host']),
    'router.set': params({ name: text, ips: { type: 'array', minItems: 1, items: def('ipv4') } }, ['name', 'ips']),
    // Multicast: a route and a membership are the file's entries.
    'mroute.add': def('mroute'),
    'mroute.rm': params({ router: text, source: def('ipv4'), group: def('ipv4'), all: { type: 'boolean' } }, ['router']),
    'mroute.ls': params({ router: text }),
    'mcast.join': def('membership'),
    'mcast.leave': def('membership'),
    'mcast.ls': params({ node: text }),
    'topology.apply': params({ text: { type: 'string' }, fileName: { type: 'string' }, dryRun: { type: 'boolean' }, baseDir: { type: 'string' } }, ['text']),
    'topology.export': params({ baseDir: { type: 'string' } }),
    // STUN servers take the topology file's entries; the probe its expectations.
    'stun.add': def('stunServer'),
    'stun.ls': none,
    'stun.rm': params({ name: text }, ['name']),
    'nat.probe': params({
      host: text, stun: text, expect: { enum: ['full-cone', 'restricted-cone', 'port-restricted', 'symmetric', '1to1', 'linux', 'linux-random', 'none'] },
      mapping: { enum: ['ei', 'ad', 'apd'] }, filtering: { enum: ['ei', 'ad', 'apd'] }, hairpin: { type: 'boolean' }, portPreservation: { type: 'boolean' },
      lifetime: { anyOf: [{ const: 'never' }, def('duration')] }, skipLifetime: { type: 'boolean' }, timeout: def('duration'), maxLifetime: def('duration'),
    }, ['host', 'stun']),
  };
}

interface Compiled {
  ajv: Ajv;
  topology: ValidateFunction;
  methods: Record<string, Schema>;
  validators: Map<string, ValidateFunction>;
}

let compiled: Compiled | undefined;

/** One ajv for every schema, made on first use (not when a command that never checks anything starts). */
function schemas(): Compiled {
  if (!compiled) {
    const topology = topologySchema();
    const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strict: true });
    ajv.addSchema(topology as AnySchema);
    compiled = { ajv, topology: ajv.getSchema(TOPOLOGY_ID)!, methods: methodSchemas(topology), validators: new Map() };
  }
  return compiled;
}

/** The compiled check of a whole topology file. */
export function topologyValidator(): ValidateFunction {
  return schemas().topology;
}

/** The compiled check of a method's params, or undefined when the method takes any. Each is compiled once, when first needed. */
export function paramsValidator(method: string): ValidateFunction | undefined {
  const s = schemas();
  let v = s.validators.get(method);
  if (!v && s.methods[method]) {
    v = s.ajv.compile(s.methods[method]);
    s.validators.set(method, v);
  }
  return v;
}

/** The names of the methods whose params are checked. */
export function checkedMethods(): string[] {
  return Object.keys(schemas().methods);
}

/**
 * Throws when `params` do not fit `method`'s schema: EINVAL (exit 2) with one line naming the method,
 * the param and the fact, e.g. `router.add: cidr: "x" is not a CIDR prefix (want a.b.c.d/n)`.
 */
export function checkParams(method: string, params: Record<string, unknown>): void {
  const validate = paramsValidator(method);
  if (!validate || validate(params)) return;
  // The deepest error; at one depth an unknown key first (it is often the misspelt missing one).
  let best: { path: string; rank: number; fact: string } | undefined;
  for (const e of validate.errors ?? []) {
    if (e.keyword === 'propertyNames') continue; // the inner error (with propertyName) says which key
    const segments = segmentsOf(e.instancePath, params);
    const rank = segments.length * 2 + (e.keyword === 'additionalProperties' ? 1 : 0);
    if (!best || rank > best.rank) best = { path: formatPath(segments), rank, fact: factOf(e).fact };
  }
  const where = best?.path ? `${best.path}: ` : '';
  throw new VnetError('EINVAL', `${method}: ${where}${best?.fact ?? 'params do not fit the method'}`);
}
