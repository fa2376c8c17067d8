// JSON Schema errors (from ajv) as one sentence each: what the value is and what is wanted. The
// topology file's errors and a session method's parameter errors say the same fact in the same words.
import type { ErrorObject } from 'ajv';

/** A step of a path into a document: a key, or an index into a list. */
export type PathSegment = string | number;

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

const TYPE_NAMES: Record<string, string> = {
  integer: 'a whole number', number: 'a number', string: 'a string', boolean: 'true or false', array: 'a list', object: 'a mapping', null: 'empty',
};

export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'empty';
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
export function segmentsOf(instancePath: string, doc: unknown): PathSegment[] {
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

export function factOf(e: ErrorObject): { extra?: string; fact: string } {
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

