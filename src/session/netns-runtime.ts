// What commands need of netns hosts outside a session: the argv that runs a program in a host's
// namespace, why this process could not, and the removal of namespaces that killed daemons left.
import { missingPrivilege, removeStale } from '../netns/index.js';
import { processAlive, runtimeDir } from './runtime.js';

/** The argv that runs `cmd` inside network namespace `ns` (iproute2 binds /etc/netns/NS over /etc). */
export function inNamespace(ns: string, cmd: string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...cmd];
}

/** One line saying what this process lacks to enter a namespace, or null. */
export function cannotEnterNamespaces(): string | null {
  return missingPrivilege();
}

/**
 * Removes the namespaces (and what runs in them) of this user's sessions whose daemon is gone (killed
 * with SIGKILL); returns one line per namespace removed. Nothing to do, or not root: no lines.
 */
export function removeStaleNamespaces(): string[] {
  if (missingPrivilege() !== null) return [];
  return removeStale(runtimeDir(), processAlive);
}
