// oclif's parse errors made vnet's: bad usage (exit 2) on one line that names the flag or argument, quotes
// what was typed (short), and says how to mend it. VnetCommand.parse runs every parse through here.
import { VnetError } from '../engine/errors.js';
import { quoteInput } from '../wire/user-input.js';
import { closestCommand } from './suggest.js';

/** A flag's or argument's definition, as far as these messages need it. */
interface ValueDef {
  char?: string;
  description?: string;
  parse?: (input: string, ...rest: never[]) => unknown;
  [key: string]: unknown;
}

/** What the command's parse was given (the command class, or options shaped like it). */
export interface ParseInput {
  flags?: Record<string, ValueDef>;
  baseFlags?: Record<string, ValueDef>;
  args?: Record<string, ValueDef>;
  strict?: boolean;
  enableJsonFlag?: boolean;
  '--'?: boolean;
  [key: string]: unknown;
}

/** An error from one value's parse, already worded; oclif prefixes the message it sees, so the text is kept apart. */
class ValueError extends VnetError {
  constructor(readonly text: string) {
    super('EINVAL', text);
  }
}

/** How a flag or argument is named in messages: `--count`, `ID`. */
const flagLabel = (name: string): string => `--${name}`;
const argLabel = (name: string): string => name.toUpperCase();

/** `label must ...`: oclif's wording of a bad number made ours; anything else keeps its own message. */
export function valueMessage(label: string, input: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const got = `got ${quoteInput(input)}`;
  let m: RegExpExecArray | null;
  if (/^Expected an integer but received/.test(message)) return `${label} must be a whole number, ${got}`;
  if ((m = /^Expected an integer greater than or equal to (-?\d+)/.exec(message))) return `${label} must be a whole number ${m[1]} or more, ${got}`;
  if ((m = /^Expected an integer less than or equal to (-?\d+)/.exec(message))) return `${label} must be a whole number up to ${m[1]}, ${got}`;
  const first = message.split('\n')[0].trim();
  return first.includes(label) ? first : `${label}: ${first}`;
}

function wrapParsers(defs: Record<string, ValueDef> | undefined, label: (name: string) => string): Record<string, ValueDef> | undefined {
  if (defs === undefined) return undefined;
  const out: Record<string, ValueDef> = {};
  for (const [name, def] of Object.entries(defs)) {
    const parse = def.parse as ((input: string, ...rest: unknown[]) => Promise<unknown>) | undefined;
    if (typeof parse !== 'function' || def.type === 'boolean') {
      out[name] = def;
      continue;
    }
    out[name] = {
      ...def,
      parse: (async (input: string, ...rest: unknown[]) => {
        try {
          return await parse.call(def, input, ...rest);
        } catch (err) {
          throw new ValueError(valueMessage(label(name), input, err));
        }
      }) as ValueDef['parse'],
    };
  }
  return out;
}

/** The same parse input with every value parser naming its flag or argument when it fails. */
export function withNamedParsers(input: ParseInput): ParseInput {
  return {
    ...input,
    strict: input.strict,
    baseFlags: input.baseFlags,
    enableJsonFlag: input.enableJsonFlag,
    '--': input['--'],
    flags: wrapParsers(input.flags, flagLabel),
    args: wrapParsers(input.args, argLabel),
  };
}

// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');

/** A flag as typed: `-w/--write`, `--count`. */
function spellFlag(name: string, def: ValueDef | undefined): string {
  return def?.char ? `-${def.char}/--${name}` : `--${name}`;
}

/** What a flag is, after a colon when known: `: file to write`. */
function aboutFlag(def: ValueDef | undefined): string {
  return def?.description ? `: ${def.description}` : '';
}

/** One parse failure of command `id` as a usage error (exit 2) on one line. */
export function usageError(err: unknown, input: ParseInput, id: string | undefined): VnetError {
  const command = id ? `vnet ${id.replace(/:/g, ' ')}` : 'vnet';
  const help = `; see \`${command} --help\``;
  const quoted = `\`${command}\``;
  const e = err as Error & { args?: (ValueDef & { name?: string })[] | string[]; flags?: string[] };
  if (e instanceof ValueError) return new VnetError('EINVAL', `${e.text}${help}`);
  const message = stripAnsi(e instanceof Error ? e.message : String(err));
  const flags = { ...input.baseFlags, ...input.flags };
  const args = Object.entries(input.args ?? {});
  let m: RegExpExecArray | null;
  let text: string;
  if (e.constructor?.name === 'RequiredArgsError' && Array.isArray(e.args)) {
    const missing = (e.args as (ValueDef & { name?: string })[]).map((a) => `${argLabel(a.name ?? 'arg')}${a.description ? ` (${a.description})` : ''}`);
    text = `${quoted} needs ${missing.join(' and ')}`;
  } else if (e.constructor?.name === 'NonExistentFlagsError' && Array.isArray(e.flags)) {
    const typed = (e.flags[0] ?? '').split('=')[0];
    const near = typed.length <= 100 ? closestCommand(typed.replace(/^-+/, ''), Object.keys(flags)) : undefined;
    text = `${quoted} has no flag ${quoteInput(typed)}${near ? ` (did you mean --${near}?)` : ''}`;
  } else if (e.constructor?.name === 'UnexpectedArgsError' && Array.isArray(e.args)) {
    const extra = e.args as string[];
    const takes = args.length === 0 ? 'no arguments' : `${args.length === 1 ? 'one argument' : `${args.length} arguments`}: ${args.map(([n]) => argLabel(n)).join(' ')}`;
    text = `unexpected argument ${quoteInput(String(extra[0]))}${extra.length > 1 ? ` (and ${extra.length - 1} more)` : ''}; ${quoted} takes ${takes} (quote a value with spaces)`;
  } else if ((m = /^Expected --([\w-]+)=([\s\S]*) to be one of: (.*)$/m.exec(message))) {
    text = `--${m[1]} must be one of ${m[3].split('\n')[0]}, got ${quoteInput(m[2])}`;
  } else if ((m = /^Expected ([\s\S]*) to be one of: (.*)$/m.exec(message))) {
    text = `the argument must be one of ${m[2].split('\n')[0]}, got ${quoteInput(m[1])}`;
  } else if ((m = /^Flag --([\w-]+) expects a value/.exec(message))) {
    text = `${spellFlag(m[1], flags[m[1]])} needs a value${aboutFlag(flags[m[1]])}`;
  } else if ((m = /^Flag --([\w-]+) can only be specified once/.exec(message))) {
    text = `${spellFlag(m[1], flags[m[1]])} is given more than once; give it once`;
  } else if (/^The following errors? occurred:/.test(message)) {
    const reasons = message.split('\n').slice(1).map((l) => l.trim()).filter((l) => l !== '' && !/^See more help/.test(l));
    text = reasons.map((r) => {
      const missing = /^Missing required flag ([\w-]+)/.exec(r);
      return missing ? `${quoted} needs ${spellFlag(missing[1], flags[missing[1]])}${aboutFlag(flags[missing[1]])}` : r;
    }).join('; ');
  } else {
    text = message.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^See more help/.test(l)).join(' ');
  }
  return new VnetError('EINVAL', `${text}${help}`);
}
