// Tab completion for the REPL: command words, the flags of the command being typed, their option values,
// node and interface names from the session, and files. What a value names is the shell completions' rule
// (src/cli/docs/value-kinds.ts), read from the command table.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FlagDoc } from '../cli/docs/model.js';
import type { ValueCompletion } from '../cli/docs/value-kinds.js';
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
  if (flag?.takesValue) return valuesOf(flag.completion, current, names);
  const arg = command.args[positionalIndex(command, argv)] ?? command.args.find((a) => a.variadic);
  return arg ? valuesOf(arg.completion, current, names) : [];
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
function flagNamed(command: CommandInfo, word: string): FlagDoc | undefined {
  if (word.includes('=')) return undefined;
  if (word.startsWith('--')) return command.flags.get(word.slice(2));
  if (/^-[A-Za-z]$/.test(word)) {
    for (const f of command.flags.values()) if (f.char === word[1]) return f;
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

async function valuesOf(v: ValueCompletion, current: string, names: () => Promise<SessionNames>): Promise<string[]> {
  if (v.kind === 'choice') return v.values;
  if (v.kind === 'file') return files(current);
  if (v.kind !== 'node') return [];
  let n: SessionNames;
  try {
    n = await names();
  } catch {
    return []; // a session that cannot answer just completes nothing
  }
  if (v.node === 'router') return n.routers;
  if (v.node === 'host') return n.hosts;
  return [...n.routers, ...n.hosts, ...n.interfaces]; // NODE alone means its default interface
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
