// Runs one REPL line: the REPL's own words (help, exit, source) or a vnet command run in-process through oclif,
// with every error reported as one line and none of them ending the REPL.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { useCommandContext } from '../cli/base.js';
import type { CommandInfo, CommandTable } from './command-table.js';
import { tokenize } from './tokenize.js';

/** How deeply `source` may nest before it is taken for a loop. */
export const MAX_SOURCE_DEPTH = 16;

/** What running a line came to; 'exit' asks the REPL to end. */
export type Outcome = 'ok' | 'failed' | 'exit';

/** Where a line came from: a script's file and line, and the directory its own `source` lines are relative to. */
export interface LineOrigin {
  file: string;
  line: number;
  dir: string;
}

/** What the runner needs from oclif (and tests can fake). */
export interface CommandHost {
  runCommand(id: string, argv: string[]): Promise<unknown>;
  showHelp(id: string): Promise<void>;
}

export interface RunnerOptions {
  host: CommandHost;
  table: CommandTable;
  /** The session this REPL is attached to over its socket, or null when it holds its own. */
  attachedTo: string | null;
  /** Stop a script at its first failing line. */
  bail?: boolean;
  /** Lines the REPL itself prints (help, the list of commands). */
  out?: (line: string) => void;
  /** Error lines, already starting with "vnet: ". */
  err?: (line: string) => void;
}

export class LineRunner {
  private readonly out: (line: string) => void;
  private readonly err: (line: string) => void;

  constructor(private readonly opts: RunnerOptions) {
    this.out = opts.out ?? ((l) => process.stdout.write(`${l}\n`));
    this.err = opts.err ?? ((l) => process.stderr.write(`${l}\n`));
  }

  /** Runs one line; `interrupt` is aborted by Ctrl-C, which cancels the command (and the rest of a script). */
  async run(line: string, interrupt: AbortSignal, origin?: LineOrigin, depth = 0): Promise<Outcome> {
    const where = origin ? `${origin.file}:${origin.line}` : undefined;
    const fail = (message: string): Outcome => {
      this.err(`vnet: ${where ? `${where}: ` : ''}${message}`);
      return 'failed';
    };
    let words: string[];
    try {
      words = tokenize(line);
    } catch (e) {
      return fail((e as Error).message);
    }
    if (words.length === 0) return 'ok';
    const [first, ...rest] = words;
    switch (first) {
      case 'exit': case 'quit':
        return rest.length === 0 ? 'exit' : fail(`${first} takes no arguments, got ${rest.length}`);
      case 'help':
        return this.help(rest, fail);
      case 'source':
        if (rest.length !== 1) return fail(`source takes one FILE, got ${rest.length} arguments; quote a path with spaces`);
        return this.source(rest[0], interrupt, origin?.dir ?? process.cwd(), depth, fail);
      case 'vnet':
        return fail('type commands without the "vnet" prefix, e.g. `router ls`');
    }
    const refusal = this.refusal(first);
    if (refusal) return fail(refusal);
    const r = this.opts.table.resolve(words);
    if (r.kind === 'unknown') return fail(`unknown command "${r.typed}"; type \`help\` for the list`);
    if (r.kind === 'topic') {
      const what = r.after === undefined ? `"${r.topic}" needs one of` : `"${r.topic}" has no command "${r.after}"; it has`;
      return fail(`${what}: ${r.verbs.join(', ')}`);
    }
    if (r.argv.includes('--help') || r.argv.includes('-h')) {
      await this.opts.host.showHelp(r.command.id);
      return 'ok';
    }
    return this.command(r.command.id, r.argv, interrupt, where, fail);
  }

  private async command(id: string, argv: string[], interrupt: AbortSignal, where: string | undefined, fail: (m: string) => Outcome): Promise<Outcome> {
    const exitCodeBefore = process.exitCode;
    useCommandContext({ interrupt, where });
    try {
      await this.opts.host.runCommand(id, argv);
      return 'ok';
    } catch (e) {
      const err = e as Error & { code?: string; oclif?: { exit?: number } };
      // EEXIT: the command has said what went wrong (or exited on purpose, maybe with 0).
      if (err.code === 'EEXIT') return err.oclif?.exit === 0 ? 'ok' : 'failed';
      return fail(String(err.message ?? err).split('\n')[0]);
    } finally {
      useCommandContext(null);
      process.exitCode = exitCodeBefore;
    }
  }

  /** Why a command makes no sense inside the REPL, if it does not. */
  private refusal(first: string): string | undefined {
    const name = this.opts.attachedTo;
    if (first === 'repl') return 'this is already the REPL; `source FILE` runs a script of commands here';
    if (first === 'up') {
      return name === null
        ? 'this REPL holds its own session in this process; to run a daemon instead, `exit`, run `vnet up`, and start `vnet repl` again to attach to it'
        : `session "${name}" is already up: this REPL is attached to it`;
    }
    if (first === 'down') {
      return name === null
        ? 'this REPL\'s session lives in this process; `exit` ends it'
        : `\`down\` would stop session "${name}" under this REPL; \`exit\` and run \`vnet down\` from a shell`;
    }
    return undefined;
  }

  private async help(words: string[], fail: (m: string) => Outcome): Promise<Outcome> {
    const { table } = this.opts;
    if (words.length > 0) {
      const r = table.resolve(words);
      if (r.kind === 'command' && r.argv.length === 0) {
        await this.opts.host.showHelp(r.command.id);
        return 'ok';
      }
      if (r.kind !== 'topic' || r.after !== undefined) return fail(`no help for "${words.join(' ')}"; type \`help\` for the list of commands`);
      for (const c of table.commands.filter((c) => c.id.startsWith(`${r.topic.replaceAll(' ', ':')}:`))) this.out(commandLine(c));
      return 'ok';
    }
    this.out('Commands (as after `vnet` on the command line; `help COMMAND` or `COMMAND --help` for its flags):');
    for (const c of table.commands) if (!this.refusal(c.words[0])) this.out(commandLine(c));
    this.out('REPL:');
    this.out(`  ${'source FILE'.padEnd(16)} run the commands in FILE, one a line (# starts a comment)`);
    this.out(`  ${'help [COMMAND]'.padEnd(16)} this list, or a command's flags`);
    this.out(`  ${'exit, quit'.padEnd(16)} leave (or Ctrl-D); Ctrl-C cancels a running command`);
    return 'ok';
  }

  /** Runs FILE line by line; errors name FILE:LINE. Relative paths start at the sourcing file's directory. */
  private async source(file: string, interrupt: AbortSignal, baseDir: string, depth: number, fail: (m: string) => Outcome): Promise<Outcome> {
    if (depth >= MAX_SOURCE_DEPTH) return fail(`source nests more than ${MAX_SOURCE_DEPTH} files deep (does ${file} source itself?); flatten the scripts`);
    const path = isAbsolute(file) ? file : resolve(baseDir, file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      return fail(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    const shown = displayPath(path);
    const lines = text.split(/\r?\n/);
    let outcome: Outcome = 'ok';
    for (let i = 0; i < lines.length; i++) {
      if (interrupt.aborted) {
        this.err(`vnet: ${shown}:${i + 1}: interrupted; the rest of ${shown} was not run`);
        return 'failed';
      }
      const r = await this.run(lines[i], interrupt, { file: shown, line: i + 1, dir: dirname(path) }, depth + 1);
      if (r === 'exit') return 'exit';
      if (r === 'failed') {
        outcome = 'failed';
        if (this.opts.bail) return 'failed';
      }
    }
    return outcome;
  }
}

/** One line of `help`: the command as typed and its summary. */
function commandLine(c: CommandInfo): string {
  return `  ${c.words.join(' ').padEnd(16)} ${c.summary}`;
}

/** A path as the user would like to read it: relative to the working directory when under it. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
