// The commands the REPL knows, taken from oclif's own metadata: how words map to a command id, and what to complete.

/** What the REPL needs to know of one command. */
export interface CommandInfo {
  id: string;
  /** The id as typed: "router:add" → ["router", "add"]. */
  words: string[];
  summary: string;
  /** Flags by long name; `takesValue` is false for booleans; `options` lists allowed values. */
  flags: Map<string, { takesValue: boolean; options?: string[]; char?: string; allowNo?: boolean }>;
  /** Positional argument names, in order. */
  args: string[];
}

/** The part of an oclif command the table reads (Command.Loadable satisfies it). */
export interface CommandSource {
  id: string;
  summary?: string;
  description?: string;
  hidden?: boolean;
  flags?: Record<string, { type: string; options?: readonly string[]; char?: string; allowNo?: boolean; hidden?: boolean }>;
  args?: Record<string, unknown>;
}

export type Resolution =
  | { kind: 'command'; command: CommandInfo; argv: string[] }
  /** Words naming a topic, not a command; `after` is the word that followed, if any. */
  | { kind: 'topic'; topic: string; verbs: string[]; after?: string }
  | { kind: 'unknown'; typed: string };

export class CommandTable {
  private readonly byId = new Map<string, CommandInfo>();

  constructor(sources: Iterable<CommandSource>) {
    for (const c of sources) {
      if (c.hidden) continue;
      const flags: CommandInfo['flags'] = new Map();
      for (const [name, f] of Object.entries(c.flags ?? {})) {
        if (f.hidden) continue;
        flags.set(name, { takesValue: f.type !== 'boolean', options: f.options ? [...f.options] : undefined, char: f.char, allowNo: f.allowNo });
      }
      const summary = c.summary ?? c.description?.split('\n')[0] ?? '';
      this.byId.set(c.id, { id: c.id, words: c.id.split(':'), summary, flags, args: Object.keys(c.args ?? {}) });
    }
  }

  get commands(): CommandInfo[] {
    return [...this.byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): CommandInfo | undefined {
    return this.byId.get(id);
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
