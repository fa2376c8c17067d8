// Every generated documentation file (man pages, shell completions) by its path under the package root.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bashCompletion } from './completion-bash.js';
import { fishCompletion } from './completion-fish.js';
import { zshCompletion } from './completion-zsh.js';
import { manPages } from './man-pages.js';
import { loadModel, type CliModel } from './model.js';

/** The directories the generator owns: every file in them is generated. */
export const GENERATED_DIRS = ['man', 'completions'] as const;

/** Path (relative to the package root, with `/`) → content, for every generated file. */
export function generateFromModel(m: CliModel): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, text] of manPages(m)) files.set(`man/${name}`, text);
  files.set(`completions/${m.bin}.bash`, bashCompletion(m));
  files.set(`completions/_${m.bin}`, zshCompletion(m));
  files.set(`completions/${m.bin}.fish`, fishCompletion(m));
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

/** Loads the commands of the package at `root` (compiled, in dist/) and generates every file. */
export async function generateAll(root: string): Promise<Map<string, string>> {
  return generateFromModel(await loadModel(root));
}

/** The generated files on disk now, relative paths → content. */
export function readGenerated(root: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const dir of GENERATED_DIRS) {
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs).sort()) files.set(`${dir}/${name}`, readFileSync(join(abs, name), 'utf8'));
  }
  return files;
}

/** Differences between what is generated and what is on disk, one line each naming the file. */
export function staleFiles(wanted: Map<string, string>, onDisk: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [path, text] of wanted) {
    const have = onDisk.get(path);
    if (have === undefined) out.push(`${path} is missing`);
    else if (have !== text) out.push(`${path} differs from what the commands say`);
  }
  for (const path of onDisk.keys()) if (!wanted.has(path)) out.push(`${path} is no longer generated (its command is gone)`);
  return out;
}

/** Writes every generated file and removes the ones no longer generated; returns what changed. */
export function writeGenerated(root: string, wanted: Map<string, string>): string[] {
  const changes = staleFiles(wanted, readGenerated(root));
  for (const dir of GENERATED_DIRS) mkdirSync(join(root, dir), { recursive: true });
  for (const path of readGenerated(root).keys()) if (!wanted.has(path)) rmSync(join(root, path));
  for (const [path, text] of wanted) writeFileSync(join(root, path), text);
  return changes;
}
