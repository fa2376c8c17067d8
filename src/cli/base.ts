// The shared base of every vnet command: --json and --session, one way to call
// the session (the daemon's socket, or a session held in this process by the
// REPL), and errors printed as one line on stderr with the CLI's exit codes.
import { Command, Flags } from '@oclif/core';
import { VnetError } from '../engine/errors.js';
import type { Session } from '../session/session.js';

/** Exit codes (cli.md): 0 done, 1 failed at run time, 2 bad usage or input, 3 no such session. */
export const EXIT = { ok: 0, failed: 1, usage: 2, noSession: 3, timeout: 124 } as const;

const USAGE_CODES = new Set(['EINVAL', 'ENOTFOUND', 'EEXIST', 'EADDRINUSE', 'EADDRNOTAVAIL', 'ELOOP', 'ERR_SOCKET_BAD_PORT', 'EMSGSIZE']);

/** The exit code an error maps to. */
export function exitCodeFor(err: unknown): number {
  const e = err as { exit?: number; code?: string; oclif?: { exit?: number } };
  if (typeof e?.exit === 'number') return e.exit;
  if (e?.code === 'ENOSESSION' || e?.code === 'ESTALE') return EXIT.noSession;
  if (e?.code && USAGE_CODES.has(e.code)) return EXIT.usage;
  if (typeof e?.oclif?.exit === 'number') return e.oclif.exit;
  return EXIT.failed;
}

/** A session held in this process (the REPL sets it); commands then call it directly instead of a daemon. */
let inProcess: Session | null = null;

export function useInProcessSession(s: Session | null): void {
  inProcess = s;
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

export abstract class VnetCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({ description: 'print one JSON document (JSON lines for streams) on stdout and nothing else there', helpGroup: 'GLOBAL' }),
    session: Flags.string({ description: 'session name (default: $VNET_SESSION or "default")', env: 'VNET_SESSION', helpGroup: 'GLOBAL' }),
  };

  protected jsonMode = false;
  protected sessionName: string | undefined;

  /** Takes the global flags from a command's parsed flags; every run() calls it first. */
  protected setup(flags: { json?: boolean; session?: string }): void {
    this.jsonMode = Boolean(flags.json);
    this.sessionName = flags.session;
  }

  /** Calls the session; items of a stream go to onItem. */
  protected call(method: string, params: Record<string, unknown> = {}, onItem?: (item: unknown) => void, signal?: AbortSignal): Promise<unknown> {
    return callSession(this.sessionName, method, params, onItem, signal);
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
    const message = err instanceof VnetError || (err as { code?: string }).code ? err.message : err.message.split('\n')[0];
    process.stderr.write(`vnet: ${message}\n`);
    if (this.jsonMode) this.log(JSON.stringify({ error: { code: (err as { code?: string }).code ?? 'EFAILED', message, exit: code } }));
    process.exitCode = code;
    return this.exit(code);
  }
}
