// The REPL's persistent history: one command per line in a file only its owner may read, kept to the last 1000.
import { appendFileSync, chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** How many lines the history file keeps. */
export const HISTORY_SIZE = 1000;

type Env = Record<string, string | undefined>;

/** `$VNET_HISTORY_FILE`, else `$XDG_STATE_HOME/vnet/history`, else `~/.local/state/vnet/history`. */
export function historyPath(env: Env = process.env): string {
  if (env.VNET_HISTORY_FILE) return resolve(env.VNET_HISTORY_FILE);
  if (env.XDG_STATE_HOME) return join(resolve(env.XDG_STATE_HOME), 'vnet', 'history');
  return join(homedir(), '.local', 'state', 'vnet', 'history');
}

/**
 * The lines of a history file, oldest first, and appending to it. Problems with the file (no
 * permission, a read-only disk) never stop the REPL: history is then kept for this run only
 * and `problem` says why.
 */
export class HistoryFile {
  private readonly lines: string[] = [];
  problem: string | undefined;

  constructor(
    readonly path: string,
    readonly size = HISTORY_SIZE,
  ) {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.problem = `cannot read history ${path}: ${(err as Error).message}`;
    }
    const all = text.split('\n').filter((l) => l.trim() !== '');
    this.lines = all.slice(-size);
    if (all.length > size) this.rewrite();
  }

  /** Oldest first. */
  get entries(): readonly string[] {
    return this.lines;
  }

  /** Newest first, as readline's `history` option wants it. */
  get newestFirst(): string[] {
    return [...this.lines].reverse();
  }

  /** Records a line unless it is blank or repeats the last one; the file never holds more than `size`. */
  add(line: string): void {
    const entry = line.trim();
    if (entry === '' || entry.includes('\n') || this.lines.at(-1) === entry) return;
    this.lines.push(entry);
    if (this.lines.length > this.size) {
      this.lines.splice(0, this.lines.length - this.size);
      this.rewrite();
      return;
    }
    this.write(() => appendFileSync(this.path, `${entry}\n`, { mode: 0o600 }));
  }

  private rewrite(): void {
    this.write(() => writeFileSync(this.path, this.lines.map((l) => `${l}\n`).join(''), { mode: 0o600 }));
  }

  private write(op: () => void): void {
    if (this.problem?.startsWith('cannot write')) return;
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      op();
      chmodSync(this.path, 0o600);
    } catch (err) {
      this.problem = `cannot write history ${this.path}: ${(err as Error).message}; history is kept for this run only (set VNET_HISTORY_FILE to a writable file)`;
    }
  }
}
