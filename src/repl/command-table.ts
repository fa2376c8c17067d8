// The commands the REPL knows, as the docs model reads them from oclif's metadata: how words map to a command id,
// and what to complete.
import type { Command } from '@oclif/core';
import { commandDocs, type ArgDoc, type FlagDoc } from '../cli/docs/model.js';

/** What the REPL needs to know of one command. */
export interface CommandInfo {
  /** oclif's id: "router:add". */
  id: string;
  /** The id as typed: "router:add" → ["router", "add"]. */
  words: string[];
  summary: string;
  /** Flags by long name (with what completes their values). */
  flags: Map<string, FlagDoc>;
  /** Positional arguments, in order. */
  args: ArgDoc[];
}

export type Resolution =
  | { kind: 'command'; command: CommandInfo; argv: string[] }
  /** Words naming a topic, not a command; `after` is the word that followed, if any. */
  | { kind: 'topic'; topic: string; verbs: string[]; after?: string }
  | { kind: 'unknown'; typed: string };

export class CommandTable {
  private readonly byId = new Map<string, CommandInfo>();

  /** The table of oclif's loaded commands (`config.commands`); hidden commands and flags are left out. */
  constructor(commands: readonly Command.Cached[], bin = 'vnet') {
    for (const c of commandDocs(commands, bin)) {
      const id = c.words.join(':');
      this.byId.set(id, { id, words: c.words, summary: c.summary, flags: new Map(c.flags.map((f) => [f.name, f])), args: c.args });
    }
  }

  /** Sorted by id. */
  get commands(): CommandInfo[] {
    return [...this.byId.values()];
  }

  /** The longest run of leading words naming a command; else the topic they name; else unknown. */
  resolve(words: string[]): Resolution {
    for (let n = words.length; n >= 1; n--) {
      const command = this.byId.get(words.slice(0, n).join(':'));
      if (command) return { kind: 'command', command, argv: words.slice(n) };
    }
    let n = 0;
    while (n < words.length && this.next(words.slice(0, n + 1)).length > 0) n++;
    if (n > 0) return { kind: 'topic', topic: words.slice(0, n).join(' '), verbs: this.next(words.slice(0, n)), after: words[n] };
    return { kind: 'unknown', typed: words[0] ?? '' };
  }

  /** The words that may follow `prefix` in some command id (the first words when it is empty). */
  next(prefix: string[]): string[] {
    const out = new Set<string>();
    for (const c of this.byId.values()) {
      if (c.words.length > prefix.length && prefix.every((w, i) => c.words[i] === w)) out.add(c.words[prefix.length]);
    }
    return [...out].sort();
  }
}
