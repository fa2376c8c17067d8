// What completes the value of an argument or flag, decided from its name, so new commands need no registration:
// a flag or argument named `router`/`parent` takes a router, `host` a host (so do `endpoint` and `dest`, which
// start with one: HOST:PORT), `iface`/`in`/`out`/`on` an interface, `file`/`output`/`write` a file;
// `router show NAME`-style commands take an existing node of their topic. The shell completions and the REPL's
// Tab both follow these rules.

export type NodeKind = 'router' | 'host' | 'iface';

export type ValueCompletion =
  | { kind: 'none' } // a boolean flag: takes no value
  | { kind: 'text' } // anything: no suggestions
  | { kind: 'choice'; values: string[] }
  | { kind: 'node'; node: NodeKind } // names of live nodes, asked of the session
  | { kind: 'file' };

const NODE_BY_NAME: Record<string, NodeKind> = {
  router: 'router',
  parent: 'router',
  host: 'host',
  endpoint: 'host',
  dest: 'host',
  iface: 'iface',
  in: 'iface',
  out: 'iface',
  on: 'iface',
};

const FILE_NAMES = new Set(['file', 'output', 'write']);

/** Topics whose `NAME` argument names a node of that kind (except in `add`, which makes a new one). */
const NODE_TOPICS: Record<string, NodeKind> = { router: 'router', host: 'host' };

export function completionFor(
  words: string[],
  where: 'arg' | 'flag',
  name: string,
  options: string[] | undefined,
  takesValue: boolean,
): ValueCompletion {
  if (!takesValue) return { kind: 'none' };
  if (options && options.length > 0) return { kind: 'choice', values: options };
  const byName = NODE_BY_NAME[name];
  if (byName) return { kind: 'node', node: byName };
  if (FILE_NAMES.has(name)) return { kind: 'file' };
  const topicKind = NODE_TOPICS[words[0]];
  if (where === 'arg' && name === 'name' && topicKind && words.length === 2 && words[1] !== 'add') {
    return { kind: 'node', node: topicKind };
  }
  return { kind: 'text' };
}
