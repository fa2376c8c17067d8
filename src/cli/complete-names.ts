// The live names shell completion offers (`vnet __names KIND [SESSION]`), asked of the session's daemon over its
// socket without loading oclif or any command: a Tab costs one Node start and one connection. No session (or a
// daemon that does not answer in time) completes nothing, quietly.
import { ControlClient } from '../session/client.js';
import { sessionName, socketPath } from '../session/runtime.js';
import type { NodeKind } from './docs/value-kinds.js';

/** How long completion waits for a daemon, in all: a hung one must not freeze the shell. */
const NAMES_TIMEOUT_MS = 1000;

interface NodeListing {
  name: string;
  interfaces?: { name: string }[];
}

/** Routers, hosts, or (for `iface`) every node and its NODE/IFACE interfaces, in the session's order; [] on any failure. */
export async function liveNames(kind: NodeKind, session?: string, timeoutMs = NAMES_TIMEOUT_MS): Promise<string[]> {
  let client: ControlClient;
  try {
    const name = sessionName(session);
    client = await ControlClient.connect(socketPath(name), { session: name, timeoutMs });
  } catch {
    return [];
  }
  try {
    const methods = kind === 'router' ? ['router.ls'] : kind === 'host' ? ['host.ls'] : ['router.ls', 'host.ls'];
    const lists = await Promise.all(methods.map((m) => client.call<NodeListing[]>(m, {}, { timeoutMs })));
    return lists.flat().flatMap((n) => (kind === 'iface' ? [n.name, ...(n.interfaces ?? []).map((i) => i.name)] : [n.name]));
  } catch {
    return [];
  } finally {
    client.close();
  }
}

/** `__names KIND [SESSION]`: prints one name a line; an unknown KIND prints nothing. */
export async function printNames(argv: string[]): Promise<void> {
  const [kind, session] = argv;
  if (kind !== 'router' && kind !== 'host' && kind !== 'iface') return;
  const names = await liveNames(kind, session === '' ? undefined : session);
  if (names.length > 0) process.stdout.write(`${names.join('\n')}\n`);
}
