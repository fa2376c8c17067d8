// What a test's netns hosts leave when their daemon is SIGKILLed: the namespaces and their
// /etc/netns/NAME directories (resolv.conf). Removed together, so a run leaves nothing in /etc.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ETC_NETNS = '/etc/netns';

/** The names of the namespaces there are now. */
export function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}

/** Removes every namespace, and every /etc/netns directory, whose name `mine` accepts. */
export function removeNamespaces(mine: (name: string) => boolean): void {
  const listed = namespaces();
  const etc = existsSync(ETC_NETNS) ? readdirSync(ETC_NETNS) : [];
  for (const name of new Set([...listed, ...etc])) {
    if (!mine(name)) continue;
    if (listed.includes(name)) spawnSync('ip', ['netns', 'del', name]);
    rmSync(join(ETC_NETNS, name), { recursive: true, force: true });
  }
}
