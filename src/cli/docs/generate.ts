// Every generated documentation file (man pages, shell completions) by its path under the package root.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bashCompletion } from './completion-bash.js';
import { fishCompletion } from './completion-fish.js';
import { zshCompletion } from './completion-zsh.js';
import { manPages } from './man-pages.js';
import { loadModel, type CliModel } from './model.js';

/** The directories the generator owns: every file in them (and below) is generated. Man pages go in man/man1/, the layout MANPATH wants. */
export const GENERATED_DIRS = ['man', 'completions'] as const;

/** Path (relative to the package root, with `/`) → content, for every generated file. */
export function generateFromModel(m: CliModel): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, text] of manPages(m)) files.set(`man/man1/${name}`, text);
  files.set(`completions/${m.bin}.bash`, bashCompletion(m));
  files.set(`completions/_${m.bin}`, zshCompletion(m));
  files.set(`completions/${m.bin}.fish`, fishCompletion(m));
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

/** Loads the commands of the package at `root` (compiled, in dist/) and generates every file. */
export async function generateAll(root: string): Promise<Map<string, string>> {
  return generateFromModel(await loadModel(root));
}

/** The generated files on disk now (in subdirectories too), relative paths → content. */
export function readGenerated(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else files.set(path, readFileSync(join(root, path), 'utf8'));
    }
  };
  for (const dir of GENERATED_DIRS) if (existsSync(join(root, dir))) walk(dir);
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
  for (const path of readGenerated(root).keys()) if (!wanted.has(path)) rmSync(join(root, path));
  for (const [path, text] of wanted) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return changes;
}
