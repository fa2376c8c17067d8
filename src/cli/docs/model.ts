// The CLI as plain data, read from the commands' own oclif metadata: what the man pages and completions are made of.
import { Config, type Command } from '@oclif/core';
import { loadOptionsFor } from './manifest-freshness.js';
import { completionFor, type ValueCompletion } from './value-kinds.js';

export interface FlagDoc {
  name: string;
  char?: string;
  description: string;
  /** False for boolean flags. */
  takesValue: boolean;
  /** What the usage line shows for the value: `CIDR`, `none|full-cone|...`. */
  valueName: string;
  options?: string[];
  multiple: boolean;
  /** A boolean flag that also has a `--no-NAME` form. */
  allowNo: boolean;
  env?: string;
  default?: string;
  required: boolean;
  /** --json and --session: every command takes them (helpGroup GLOBAL). */
  global: boolean;
  completion: ValueCompletion;
}

export interface ArgDoc {
  name: string;
  valueName: string;
  description: string;
  required: boolean;
  /** The last argument of a command that takes any number of them. */
  variadic: boolean;
  options?: string[];
  default?: string;
  completion: ValueCompletion;
}

export interface CommandDoc {
  /** Words as typed: `router add`. */
  id: string;
  words: string[];
  summary: string;
  description?: string;
  args: ArgDoc[];
  flags: FlagDoc[];
  /** Examples with `<%= config.bin %>` replaced by the program name. */
  examples: string[];
}

export interface TopicDoc {
  name: string;
  description: string;
  commands: CommandDoc[];
}

export interface CliModel {
  bin: string;
  version: string;
  description: string;
  /** Topics (first words shared by several commands), sorted by name. */
  topics: TopicDoc[];
  /** Commands of one word (`up`, `send`), sorted. */
  topLevel: CommandDoc[];
  /** Every command, sorted by id. */
  commands: CommandDoc[];
  /** The flags every command takes (from the first command that has them). */
  globalFlags: FlagDoc[];
}

type CachedFlag = Command.Flag.Cached & { options?: readonly string[]; helpValue?: string | string[]; allowNo?: boolean; env?: string };
type CachedArg = Command.Arg.Cached & { options?: readonly string[] };

/** Loads the oclif config of the package at `root`, reading the compiled commands themselves (never a manifest). */
export async function loadModel(root: string): Promise<CliModel> {
  const config = await Config.load(await loadOptionsFor(root, true));
  const pjsonTopics = (config.pjson.oclif.topics ?? {}) as Record<string, { description?: string; hidden?: boolean }>;
  return buildModel({
    bin: config.bin,
    version: config.version,
    description: config.pjson.description ?? '',
    commands: config.commands,
    topicDescriptions: Object.fromEntries(Object.entries(pjsonTopics).map(([k, v]) => [k, v.description ?? ''])),
  });
}

export interface ModelInput {
  bin: string;
  version: string;
  description: string;
  commands: Command.Cached[];
  topicDescriptions: Record<string, string>;
}

/** The model from cached command metadata (the same shape as oclif.manifest.json's entries). */
export function buildModel(input: ModelInput): CliModel {
  const commands = commandDocs(input.commands, input.bin);
  const topicNames = [...new Set(commands.filter((c) => c.words.length > 1).map((c) => c.words[0]))].sort();
  const topics = topicNames.map((name) => ({
    name,
    description: input.topicDescriptions[name] ?? '',
    commands: commands.filter((c) => c.words[0] === name),
  }));
  const topLevel = commands.filter((c) => c.words.length === 1 && !topicNames.includes(c.id));
  const globalFlags = commands.find((c) => c.flags.some((f) => f.global))?.flags.filter((f) => f.global) ?? [];
  return { bin: input.bin, version: input.version, description: input.description, topics, topLevel, commands, globalFlags };
}

/** The commands that are not hidden, as documented, sorted by id: what the docs and the REPL's completion read. */
export function commandDocs(commands: readonly Command.Cached[], bin: string): CommandDoc[] {
  return commands.filter((c) => !c.hidden).map((c) => commandDoc(c, bin)).sort((a, b) => a.id.localeCompare(b.id));
}

function commandDoc(c: Command.Cached, bin: string): CommandDoc {
  const words = c.id.split(/[: ]/);
  const id = words.join(' ');
  const argEntries = Object.values(c.args ?? {}) as CachedArg[];
  const args = argEntries.filter((a) => !a.hidden).map((a, i): ArgDoc => ({
    name: a.name,
    valueName: a.name.toUpperCase().replace(/-/g, '_'),
    description: a.description ?? '',
    required: Boolean(a.required),
    variadic: c.strict === false && i === argEntries.length - 1,
    options: a.options ? [...a.options] : undefined,
    default: plainDefault(a.default),
    completion: completionFor(words, 'arg', a.name, a.options ? [...a.options] : undefined, true),
  }));
  const flags = (Object.values(c.flags ?? {}) as CachedFlag[])
    .filter((f) => !f.hidden)
    .map((f) => flagDoc(f, words))
    .sort((a, b) => Number(a.global) - Number(b.global) || a.name.localeCompare(b.name));
  return {
    id,
    words,
    summary: c.summary ?? firstLine(c.description),
    description: c.summary ? c.description : restAfterFirstLine(c.description),
    args,
    flags,
    examples: (c.examples ?? []).map((e) => substitute(typeof e === 'string' ? e : e.command, bin, id)),
  };
}

function flagDoc(f: CachedFlag, words: string[]): FlagDoc {
  const takesValue = f.type === 'option';
  const options = f.options ? [...f.options] : undefined;
  const helpValue = Array.isArray(f.helpValue) ? f.helpValue.join(' ') : f.helpValue;
  return {
    name: f.name,
    char: f.char,
    description: f.summary ?? f.description ?? '',
    takesValue,
    valueName: helpValue ?? (options ? options.join('|') : f.name.toUpperCase().replace(/-/g, '_')),
    options,
    multiple: Boolean((f as { multiple?: boolean }).multiple),
    allowNo: Boolean(f.allowNo),
    env: f.env,
    default: plainDefault(f.default),
    required: Boolean(f.required),
    global: f.helpGroup === 'GLOBAL',
    completion: completionFor(words, 'flag', f.name, options, takesValue),
  };
}

/** A default worth printing: a literal, not a function oclif calls at parse time. */
function plainDefault(d: unknown): string | undefined {
  if (typeof d === 'string' || typeof d === 'number') return String(d);
  if (Array.isArray(d) && d.every((x) => typeof x === 'string' || typeof x === 'number')) return d.join(',');
  return undefined;
}

/** Example templates know `config.bin` and `command.id`; anything else is a mistake in the command. */
export function substitute(template: string, bin: string, id: string): string {
  const out = template.replace(/<%=\s*config\.bin\s*%>/g, bin).replace(/<%=\s*command\.id\s*%>/g, id);
  if (out.includes('<%')) throw new Error(`example of "${id}" uses a template other than config.bin or command.id: ${template}`);
  return out;
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0].trim();
}

function restAfterFirstLine(text: string | undefined): string | undefined {
  const rest = (text ?? '').split('\n').slice(1).join('\n').trim();
  return rest === '' ? undefined : rest;
}
