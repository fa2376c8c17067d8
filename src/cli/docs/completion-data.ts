// What the three shell completions share: the tree of command words, flag spellings, and safe quoting.
import type { CliModel, FlagDoc } from './model.js';

export interface NextWord {
  word: string;
  description: string;
}

/** For each command prefix typed so far ('' at the start), the words that may follow, sorted. */
export function commandTree(m: CliModel): Map<string, NextWord[]> {
  const tree = new Map<string, Map<string, string>>();
  const topicDescription = new Map(m.topics.map((t) => [t.name, t.description]));
  for (const c of m.commands) {
    c.words.forEach((word, k) => {
      checkWord(word, `command "${c.id}"`);
      const prefix = c.words.slice(0, k).join(' ');
      const description = k === c.words.length - 1 ? c.summary : k === 0 ? topicDescription.get(word) ?? '' : '';
      const next = tree.get(prefix) ?? new Map<string, string>();
      if (!next.has(word) || description !== '') next.set(word, description);
      tree.set(prefix, next);
    });
  }
  return new Map([...tree].sort(([a], [b]) => a.localeCompare(b)).map(([prefix, next]) => [
    prefix,
    [...next].map(([word, description]) => ({ word, description })).sort((a, b) => a.word.localeCompare(b.word)),
  ]));
}

/** Every spelling of a flag: `--name`, `--no-name` when it has one, `-c`. */
export function flagSpellings(f: FlagDoc): string[] {
  checkWord(f.name, `flag --${f.name}`);
  return [`--${f.name}`, ...(f.allowNo ? [`--no-${f.name}`] : []), ...(f.char ? [`-${f.char}`] : [])];
}

/** Words that go into shell code unquoted must be plain: letters, digits, `_`, `.`, `-`. */
export function checkWord(word: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(word)) throw new Error(`${what}: "${word}" is not a plain word (letters, digits, _ . -); completions cannot name it`);
  return word;
}

/** A single-quoted POSIX shell word (bash, zsh). */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A single-quoted fish word: fish escapes `\` and `'` inside single quotes. */
export function fishQuote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** One line of help text: the first sentence-ish line, without newlines. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
