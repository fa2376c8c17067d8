// Reading a method's parameters: what the CLI, the REPL, scripts and topology files send is checked here,
// with errors (EINVAL, exit 2) that name the parameter.
import { invalid } from '../engine/errors.js';

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
