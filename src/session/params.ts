// Reading a method's parameters. Session.call checks them against the method's schema first (method-params.ts);
// these helpers read what a schema leaves open,
// with errors (EINVAL, exit 2) that name the parameter.
import { invalid } from '../engine/errors.js';
import type { CallContext, Method } from './session.js';

export type Params = Record<string, unknown>;

/** A non-empty string; missing, it is an error naming the key (and an example when given). */
export function str(p: Params, key: string, example?: string): string {
  const v = p[key];
  if (typeof v !== 'string' || v === '') throw invalid(`missing ${key}${example === undefined ? '' : `, e.g. ${example}`}`);
  return v;
}

/** A finite number, or a string holding one. */
export function num(p: Params, key: string): number {
  const v = typeof p[key] === 'string' ? Number(p[key]) : p[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${key} must be a number, got ${JSON.stringify(p[key])}`);
  return v;
}

/** `p.id`: the id (a whole number from 1) of one of the session's `what`s, which `vnet WHAT ls` lists. */
export function id(p: Params, what: string): number {
  const v = typeof p.id === 'string' ? Number(p.id) : p.id;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalid(`${what} id ${JSON.stringify(p.id)} is not a whole number; \`vnet ${what} ls\` lists them`);
  return v;
}

/** The params without their undefined keys (as they arrive over the socket), or {} when none; anything else is an error. */
export function definedKeys(params: unknown): Record<string, unknown> {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || Array.isArray(params)) throw invalid(`params must be a mapping of names to values, got ${JSON.stringify(params)}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v;
  return out;
}

/** A method taking params of shape T: Session.call has checked them against the method's schema (method-params.ts). */
export function checked<T>(fn: (params: T, ctx: CallContext) => unknown): Method {
  return fn as unknown as Method;
}
