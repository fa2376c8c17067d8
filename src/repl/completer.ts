// Tab completion for the REPL: command words, the flags of the command being typed, their option values,
// and node and interface names from the session.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CommandInfo, CommandTable } from './command-table.js';
import { splitWords } from './tokenize.js';

/** Names in the session, as completion offers them. */
export interface SessionNames {
  routers: string[];
  hosts: string[];
  /** Full interface names, NODE/IFACE. */
  interfaces: string[];
}

/** The REPL's own words, completed alongside the commands. */
export const BUILTINS = ['exit', 'help', 'quit', 'source'];

type NameKind = 'routers' | 'hosts' | 'nodes' | 'interfaces' | 'none';

/** Flags whose values name nodes. */
const FLAG_VALUES: Record<string, NameKind> = { router: 'routers', parent: 'routers', host: 'hosts' };

/** What a positional argument names, by the command and the argument's name. */
function argKind(command: CommandInfo, arg: string | undefined): NameKind {
  if (arg === undefined) return 'none';
  const [topic, verb] = command.words;
  if (verb === 'add' && (arg === 'name' || arg === 'hostname')) return 'none';
  if (arg === 'iface') return 'interfaces';
  if (arg === 'router') return 'routers';
  if (arg === 'name') return topic === 'router' ? 'routers' : topic === 'host' ? 'hosts' : 'nodes';
  if (arg === 'host' || arg === 'endpoint' || arg === 'dest') return 'hosts';
  return 'none';
}

/**
 * Completes the end of `line` (the text left of the cursor). Returns what readline wants: the
 * candidates and the part of the line they replace. A single candidate that ends a word gets a space.
 */
export async function complete(line: string, table: CommandTable, names: () => Promise<SessionNames>): Promise<[string[], string]> {
  const w = splitWords(line);
  if (w.openQuote !== null || w.danglingEscape) return [[], ''];
  const current = w.inWord ? (w.words.at(-1) ?? '') : '';
  const before = w.inWord ? w.words.slice(0, -1) : w.words;
  const candidates = await candidatesFor(before, current, table, names);
  const hits = [...new Set(candidates)].filter((c) => c.startsWith(current)).sort();
  if (hits.length === 1 && !hits[0].endsWith('/')) return [[`${hits[0]} `], current];
  return [hits, current];
}

async function candidatesFor(before: string[], current: string, table: CommandTable, names: () => Promise<SessionNames>): Promise<string[]> {
  if (before.length === 0) return [...table.next([]), ...BUILTINS];
  if (before[0] === 'help') return table.next(before.slice(1));
  if (before[0] === 'source') return before.length === 1 ? files(current) : [];
  const r = table.resolve(before);
  if (r.kind === 'topic') return r.after === undefined ? r.verbs : [];
  if (r.kind !== 'command') return [];
  const { command, argv } = r;
  if (current.startsWith('-')) return flagNames(command);
  const prev = argv.at(-1);
  const flag = prev !== undefined ? flagNamed(command, prev) : undefined;
  if (flag?.takesValue) {
    if (flag.options) return flag.options;
    return namesOf(FLAG_VALUES[flag.name] ?? 'none', current, names);
  }
  return namesOf(argKind(command, command.args[positionalIndex(command, argv)]), current, names);
}

/** `--name` for every flag (and `--no-name` where allowed), `--help`. */
function flagNames(command: CommandInfo): string[] {
  const out = ['--help'];
  for (const [name, f] of command.flags) {
    out.push(`--${name}`);
    if (f.allowNo) out.push(`--no-${name}`);
  }
  return out;
}

/** The flag a word such as `--router` or `-f` names, if it is one without an inline `=value`. */
function flagNamed(command: CommandInfo, word: string): { name: string; takesValue: boolean; options?: string[] } | undefined {
  if (word.includes('=')) return undefined;
  if (word.startsWith('--')) {
    const f = command.flags.get(word.slice(2));
    return f ? { name: word.slice(2), ...f } : undefined;
  }
  if (/^-[A-Za-z]$/.test(word)) {
    for (const [name, f] of command.flags) if (f.char === word[1]) return { name, ...f };
  }
  return undefined;
}

/** Which positional argument the next word is: words that are flags, or values of flags, do not count. */
function positionalIndex(command: CommandInfo, argv: string[]): number {
  let index = 0;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('-')) {
      if (flagNamed(command, argv[i])?.takesValue) i++;
    } else {
      index++;
    }
  }
  return index;
}

async function namesOf(kind: NameKind, current: string, names: () => Promise<SessionNames>): Promise<string[]> {
  if (kind === 'none') return [];
  let n: SessionNames;
  try {
    n = await names();
  } catch {
    return []; // a session that cannot answer just completes nothing
  }
  if (kind === 'routers') return n.routers;
  if (kind === 'hosts') return n.hosts;
  const nodes = [...n.routers, ...n.hosts];
  if (kind === 'nodes') return nodes;
  return [...nodes, ...n.interfaces]; // NODE alone means its default interface
}

/** Files and directories (with a trailing slash) whose path starts with `current`. */
function files(current: string): string[] {
  const dir = current.includes('/') ? dirname(`${current}x`) : '.';
  const prefix = current.includes('/') ? current.slice(0, current.lastIndexOf('/') + 1) : '';
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.name.startsWith('.') || current.slice(prefix.length).startsWith('.'))
      .map((e) => `${prefix}${e.name}${e.isDirectory() ? '/' : ''}`);
  } catch {
    return [];
  }
}
