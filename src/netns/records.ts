// Which network namespaces this user's sessions own: one record per namespace in <runtime dir>/netns,
// holding the daemon's pid, session and host, written before the namespace is made and removed after it
// is gone. A daemon killed with SIGKILL leaves its records behind; the next `vnet up` (or the next
// netns host) finds their pid gone and removes those namespaces with everything running in them.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { namespaceExists, removeNamespace } from './namespace.js';

export interface NetnsRecord {
  pid: number;
  session: string;
  host: string;
  namespace: string;
}

/**
 * The namespace name of `host` in `session`: vnet-SESSION-HOST-TAG, TAG from the runtime directory, so
 * sessions of the same name under other runtime directories (tests, other users) never collide.
 */
export function namespaceName(runtimeDir: string, session: string, host: string): string {
  const tag = createHash('sha256').update(runtimeDir).digest('hex').slice(0, 4);
  return `vnet-${session}-${host}-${tag}`;
}

function dirOf(runtimeDir: string): string {
  return join(runtimeDir, 'netns');
}

function fileOf(runtimeDir: string, namespace: string): string {
  return join(dirOf(runtimeDir), `${namespace}.json`);
}

export function writeRecord(runtimeDir: string, r: NetnsRecord): void {
  mkdirSync(dirOf(runtimeDir), { recursive: true, mode: 0o700 });
  writeFileSync(fileOf(runtimeDir, r.namespace), `${JSON.stringify(r)}\n`, { mode: 0o600 });
}

export function removeRecord(runtimeDir: string, namespace: string): void {
  try {
    unlinkSync(fileOf(runtimeDir, namespace));
  } catch {
    // Gone already.
  }
}

export function readRecords(runtimeDir: string): NetnsRecord[] {
  let names: string[];
  try {
    names = readdirSync(dirOf(runtimeDir));
  } catch {
    return [];
  }
  const out: NetnsRecord[] = [];
  for (const n of names) {
    if (!n.endsWith('.json')) continue;
    try {
      const r = JSON.parse(readFileSync(join(dirOf(runtimeDir), n), 'utf8')) as NetnsRecord;
      if (typeof r.pid === 'number' && typeof r.namespace === 'string') out.push(r);
    } catch {
      // Half-written or foreign: left alone.
    }
  }
  return out;
}

/**
 * Removes the namespaces whose owning daemon is gone (`alive(pid)` false) with what runs in them, and
 * their records; returns one line per namespace removed, for the user.
 */
export function removeStale(runtimeDir: string, alive: (pid: number) => boolean): string[] {
  const lines: string[] = [];
  for (const r of readRecords(runtimeDir)) {
    if (alive(r.pid)) continue;
    const existed = namespaceExists(r.namespace);
    removeNamespace(r.namespace);
    removeRecord(runtimeDir, r.namespace);
    if (existed) lines.push(`removed network namespace ${r.namespace} of host ${r.host} left by session ${r.session} (daemon pid ${r.pid} is gone)`);
  }
  return lines;
}
