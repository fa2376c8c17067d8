// Asking before destructive commands: only when a person is at a terminal, never in scripts.
import { Flags } from '@oclif/core';
import { VnetError } from '../engine/errors.js';

export const yesFlag = {
  yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation (scripts are never asked)' }),
};

export type Confirmer = (question: string) => Promise<boolean>;

let override: Confirmer | null = null;

/** The REPL asks through its own line editor; tests may answer for the user. null restores the default. */
export function useConfirmer(c: Confirmer | null): void {
  override = c;
}

/** True when stdin and stderr are terminals and CI is not set: someone can answer. */
export function canAsk(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY) && !process.env.CI;
}

async function askOnTerminal(question: string): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: question, default: false }, { output: process.stderr });
}

/**
 * Goes on when --yes was given, when nobody can be asked (a script, CI, a pipe), or when the
 * user answers yes; otherwise throws ECANCELED (exit 1) saying nothing changed.
 */
export async function confirmOrStop(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  const ask = override ?? (canAsk() ? askOnTerminal : null);
  if (ask === null) return;
  let ok: boolean;
  try {
    ok = await ask(question);
  } catch {
    ok = false; // Ctrl-C at the prompt
  }
  if (!ok) throw Object.assign(new VnetError('ECANCELED', 'cancelled; nothing changed (--yes skips this question)'), { exit: 1 });
}
