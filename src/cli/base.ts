// The shared base of every vnet command: --json and --session, one way to call
// the session (the daemon's socket, or a session held in this process by the
// REPL), and errors printed as one line on stderr with the CLI's exit codes.
import { Command, Flags, type Interfaces } from '@oclif/core';
import { VnetError } from '../engine/errors.js';
import { exitCodeOf } from '../session/protocol.js';
import { capMessage } from '../wire/user-input.js';
import { usageError, withNamedParsers, type ParseInput } from './parse-errors.js';
import * as colour from './style.js';
import type { Session } from '../session/session.js';

/** Exit codes (cli.md): 0 done, 1 failed at run time, 2 bad usage or input, 3 no such session. */
export const EXIT = { ok: 0, failed: 1, usage: 2, noSession: 3, timeout: 124 } as const;

/** The exit code an error maps to: its own, oclif's for parse errors, else by its code (see session/protocol.ts). */
export function exitCodeFor(err: unknown): number {
  const e = err as { exit?: unknown; code?: unknown; oclif?: { exit?: number } } | null;
  if (e && typeof e.exit !== 'number' && typeof e.code !== 'string' && typeof e.oclif?.exit === 'number') return e.oclif.exit;
  return exitCodeOf(err);
}

/** A session held in this process (the REPL sets it); commands then call it directly instead of a daemon. */
let inProcess: Session | null = null;

export function useInProcessSession(s: Session | null): void {
  inProcess = s;
}

/**
 * What the REPL tells the command it is running: Ctrl-C aborts `interrupt` (instead of ending the
 * process), and `where` (a script's FILE:LINE) goes in front of the command's error line.
 */
export interface CommandContext {
  interrupt: AbortSignal;
  where?: string;
}

let commandContext: CommandContext | null = null;

/** The REPL sets this around each command it runs, and null after. */
export function useCommandContext(ctx: CommandContext | null): void {
  commandContext = ctx;
}

/**
 * A signal for "the user pressed Ctrl-C" while a command runs: SIGINT in a plain process, the
 * REPL's per-command signal inside the REPL. Call `release()` when the command is done.
 */
function interruptSignal(): { signal: AbortSignal; release(): void } {
  if (commandContext !== null) return { signal: commandContext.interrupt, release: () => {} };
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  return { signal: controller.signal, release: () => process.off('SIGINT', stop) };
}

export type SessionCall = (method: string, params?: Record<string, unknown>, onItem?: (item: unknown) => void, signal?: AbortSignal) => Promise<unknown>;

/** Calls the in-process session, or the daemon of `sessionName` over its socket. */
export async function callSession(sessionName: string | undefined, method: string, params: Record<string, unknown> = {}, onItem?: (item: unknown) => void, signal?: AbortSignal): Promise<unknown> {
  if (inProcess !== null) {
    const controller = new AbortController();
    signal?.addEventListener('abort', () => controller.abort(), { once: true });
    return await inProcess.call(method, params, { signal: controller.signal, emit: (item) => onItem?.(item) });
  }
  const { callDaemon } = await import('./daemon-call.js');
  return callDaemon(sessionName, method, params, onItem, signal);
}

/** What oclif's parser gives for flags and args (its own FlagOutput/ArgOutput types are not exported). */
type Output = Record<string, unknown>;

export abstract class VnetCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({ description: 'print one JSON document (JSON lines for streams) on stdout and nothing else there', helpGroup: 'GLOBAL' }),
    session: Flags.string({ description: 'session name (default: $VNET_SESSION or "default")', env: 'VNET_SESSION', helpGroup: 'GLOBAL' }),
  };

  protected jsonMode = false;
  protected sessionName: string | undefined;

  /**
   * Parses the command line, taking the global flags (--json, --session) from it; every run() starts here.
   * Whatever the parse refuses is bad usage (exit 2) on one line naming the flag or argument (parse-errors.ts).
   */
  protected override async parse<F extends Output, B extends Output, A extends Output>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const input = (options ?? this.ctor) as unknown as ParseInput;
    let parsed: Interfaces.ParserOutput<F, B, A>;
    try {
      parsed = await super.parse(withNamedParsers(input) as unknown as Interfaces.Input<F, B, A>, argv);
    } catch (err) {
      if ((err as { code?: string }).code === 'EEXIT') throw err;
      throw usageError(err, input, this.id);
    }
    this.setup(parsed.flags);
    return parsed;
  }

  /** Takes the global flags from a command's parsed flags (parse() does it; calling it again is harmless). */
  protected setup(flags: { json?: boolean; session?: string }): void {
    this.jsonMode = Boolean(flags.json);
    this.sessionName = flags.session;
  }

  /** Calls the session; items of a stream go to onItem. */
  protected call(method: string, params: Record<string, unknown> = {}, onItem?: (item: unknown) => void, signal?: AbortSignal): Promise<unknown> {
    return callSession(this.sessionName, method, params, onItem, signal);
  }

  /**
   * Calls a method that streams until it ends by itself, or until the user presses Ctrl-C (or
   * `stop` aborts): that is how such commands are ended, so it resolves normally with `stopped`.
   * `interrupted` tells whether Ctrl-C came.
   */
  protected async callUntilInterrupted<T>(
    method: string, params: Record<string, unknown>, onItem: (item: unknown) => void, stopped: T, stop?: AbortSignal,
  ): Promise<{ result: T; interrupted: boolean }> {
    const interrupt = interruptSignal();
    const signal = stop === undefined ? interrupt.signal : AbortSignal.any([interrupt.signal, stop]);
    try {
      const result = await this.call(method, params, onItem, signal).catch((err: unknown) => {
        if (signal.aborted) return stopped;
        throw err;
      });
      return { result: result as T, interrupted: interrupt.signal.aborted };
    } finally {
      interrupt.release();
    }
  }

  /** Prints a result: JSON in --json mode, else the text the command makes of it. */
  protected print(result: unknown, text: () => string | string[]): void {
    if (this.jsonMode) {
      this.log(JSON.stringify(result, null, 2));
      return;
    }
    const t = text();
    for (const line of Array.isArray(t) ? t : [t]) this.log(line);
  }

  /** One JSON line per stream item in --json mode. */
  protected printItem(item: unknown, text: () => string): void {
    this.log(this.jsonMode ? JSON.stringify(item) : text());
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    // this.exit() throws an ExitError: let oclif end the process with its code.
    if ((err as { code?: string }).code === 'EEXIT') throw err;
    const code = exitCodeFor(err);
    const message = capMessage(err instanceof VnetError || (err as { code?: string }).code ? err.message : oneLine(err.message, this.id));
    process.stderr.write(`${colour.err.red('vnet:')} ${commandContext?.where ? `${commandContext.where}: ` : ''}${message}\n`);
    if (this.jsonMode || this.argv.includes('--json')) this.log(JSON.stringify({ error: { code: (err as { code?: string }).code ?? (code === 2 ? 'EUSAGE' : 'EFAILED'), message, exit: code } }));
    process.exitCode = code;
    return this.exit(code);
  }
}

/** oclif's parse errors span lines ("Missing 1 required arg:\nname  router name\nSee more help with --help"): one line, with the mend. */
export function oneLine(message: string, commandId: string | undefined): string {
  const lines: string[] = [];
  for (const raw of message.split('\n')) {
    const l = raw.trim();
    if (/^(See more help|Note:)/i.test(l)) break;
    if (l !== '') lines.push(l);
  }
  const [first = message.trim(), ...rest] = lines;
  const detail = rest.map((l) => l.replace(/^(\S+)\s{2,}(.*)$/, '$1 ($2)')).join(', ');
  const text = first.endsWith(':') && detail ? `${first} ${detail}` : [first, ...rest].join(' ').replace(/\s+/g, ' ');
  return commandId ? `${text}; see \`vnet ${commandId.replace(/:/g, ' ')} --help\`` : text;
}
