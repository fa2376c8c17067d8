// Whether oclif.manifest.json still describes the compiled commands. oclif trusts a manifest blindly, so one
// written before the last `tsc` would hide new commands; bin/run.js then tells oclif to read the commands instead.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Plugin } from '@oclif/core';

/** The newest modification time (ms) of a directory, its subdirectories and their files; 0 if it does not exist. */
export function newestMtime(dir: string): number {
  let newest: number;
  try {
    newest = statSync(dir).mtimeMs;
  } catch {
    return 0;
  }
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** True when the manifest at `root` is missing or older than anything under dist/commands (added, changed or removed). */
export function manifestIsStale(root: string): boolean {
  let manifest: number;
  try {
    manifest = statSync(join(root, 'oclif.manifest.json')).mtimeMs;
  } catch {
    return true;
  }
  return newestMtime(join(root, 'dist', 'commands')) > manifest;
}

/**
 * Options for oclif's Config.load: as they are when the manifest can be trusted, else with the package's own
 * plugin loaded from the compiled commands. (Config.load's own `ignoreManifest` does not reach the root plugin.)
 */
export async function loadOptionsFor(root: string, ignoreManifest = manifestIsStale(root)): Promise<{ root: string; plugins?: Map<string, Plugin> }> {
  if (!ignoreManifest) return { root };
  const plugin = new Plugin({ root, isRoot: true, ignoreManifest: true });
  await plugin.load();
  return { root, plugins: new Map([[plugin.name, plugin]]) };
}
