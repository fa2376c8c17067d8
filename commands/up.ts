// `vnet up`: start a session daemon, optionally building a topology file in it.
import { Flags } from '@oclif/core';
import { VnetCommand } from '../src/cli/base.js';
import { applyInNewSession, startDetached } from '../src/cli/daemon-start.js';
import { VnetError } from '../src/session/api.js';
import { daemonAnswers } from '../src/session/client.js';
import { Daemon, stopOnSignals } from '../src/session/daemon.js';
import { reportStaleCaptures } from '../src/session/capture-claims.js';
import { alreadyRunning } from '../src/session/server.js';
import { readTopologyFile, topologySettings, type TopologySource } from '../src/session/topology.js';
import { sessionName, socketPath } from '../src/session/runtime.js';
import { removeStaleNamespaces } from '../src/session/netns-runtime.js';

export default class Up extends VnetCommand {
  static override summary = 'Start a session: a background daemon holding one network, shared by every vnet command.';
  static override description =
    'The daemon listens on a Unix socket (mode 0600) in your runtime directory ($VNET_RUNTIME_DIR, else $XDG_RUNTIME_DIR/vnet, ' +
    'else /tmp/vnet-UID). Several sessions run side by side under different --session names. A socket left by a daemon that ' +
    'died is cleaned up, and a capture file a dead session was writing is cut back to its last whole record (one line on stderr each). With -f the session starts, then builds the file (as long as that takes; on a terminal it shows it is ' +
    'working): an invalid file, or Ctrl-C meanwhile, stops it again, so nothing is left running (exit 2, or 130). ' +
    'The clock and seed come from the flags, else the file, else real clock and seed 1.';
  static override examples = [
    '<%= config.bin %> up',
    '<%= config.bin %> up --clock virtual --seed 7 -f topo.yaml',
    '<%= config.bin %> up --session lab2 --foreground',
    'VNET_SESSION=ci <%= config.bin %> up --json | jq .pid',
  ];
  static override flags = {
    file: Flags.string({ char: 'f', description: 'topology file (YAML or JSON) to build; - reads stdin' }),
    clock: Flags.string({ description: 'real: time flows; virtual: time moves only with `vnet clock advance`', options: ['real', 'virtual'] }),
    seed: Flags.integer({ description: 'seed for every random choice (loss, jitter, NAT ports)', min: 0, max: 4294967295 }),
    foreground: Flags.boolean({ description: 'run the daemon in this process until Ctrl-C or `vnet down`' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Up);
    const name = sessionName(flags.session);
    const topology = flags.file === undefined ? undefined : await readTopologyFile(flags.file);
    const fromFile = topology ? topologySettings(topology.text) : {};
    const clock = flags.clock === 'virtual' || flags.clock === 'real' ? flags.clock : fromFile.clock ?? 'real';
    const seed = flags.seed ?? fromFile.seed ?? 1;
    const opts = { name, clock, seed, topology };
    await refuseIfRunning(name);
    // Capture files a dead session was writing are cut back to whole records first (one line each).
    reportStaleCaptures();
    // Namespaces of netns hosts whose daemon was killed (SIGKILL leaves them): removed, with a line each.
    for (const line of removeStaleNamespaces()) process.stderr.write(`vnet: ${line}\n`);

    if (flags.foreground) {
      const daemon = await Daemon.start({ ...opts, log: (line) => process.stderr.write(`vnet: ${line}\n`) });
      const release = stopOnSignals(daemon);
      this.print({ ...daemon.info(), applied: daemon.applied ?? null }, () => `session ${name} up in the foreground (pid ${process.pid}, ${clock} clock, seed ${seed}); Ctrl-C or \`vnet down\` stops it`);
      await daemon.stopped;
      release();
      return;
    }
    // Start first (bounded: a daemon that does not come up is broken), then build the file, for as long as it takes.
    const started = await startDetached({ ...opts, topology: undefined });
    if (topology) started.applied = await this.build(name, topology);
    const r = started.ready as { pid: number; socket: string };
    this.print({ ...started.ready, log: started.log, applied: started.applied ?? null }, () => [
      `session ${name} up: pid ${r.pid}, ${clock} clock, seed ${seed}`,
      `  socket ${r.socket}`,
      `  log    ${started.log}`,
      ...appliedLines(started.applied),
    ]);
  }

  /** Builds the topology in the new session; on a terminal, shows that it is working; Ctrl-C or a failure stops the session again. */
  private async build(name: string, topology: TopologySource): Promise<unknown> {
    const tty = process.stderr.isTTY === true;
    const stop = new AbortController();
    const onSigint = (): void => stop.abort(new VnetError('ECANCELED', `interrupted while building ${topology.fileName}; session ${name} was stopped again`));
    process.once('SIGINT', onSigint);
    const onWaiting = tty ? (s: number) => process.stderr.write(`\r\x1b[Kvnet: building ${topology.fileName} in session ${name}: ${s} s (Ctrl-C stops the session)`) : undefined;
    try {
      return await applyInNewSession(name, topology, { signal: stop.signal, onWaiting });
    } finally {
      process.off('SIGINT', onSigint);
      if (tty) process.stderr.write('\r\x1b[K');
    }
  }
}

/** Fails with EEXIST (exit 2) when a daemon already answers for this session; spawning one would only fail later. */
async function refuseIfRunning(name: string): Promise<void> {
  const sock = socketPath(name);
  if (await daemonAnswers(name)) throw alreadyRunning(name, sock);
}

function appliedLines(applied: unknown): string[] {
  const created = (applied as { created?: Record<string, unknown[]> } | null)?.created;
  if (!created) return [];
  const noun: Record<string, [string, string]> = { routers: ['router', 'routers'], hosts: ['host', 'hosts'], dns: ['name', 'names'], filters: ['filter', 'filters'], captures: ['capture', 'captures'], mroutes: ['multicast route', 'multicast routes'], memberships: ['membership', 'memberships'] };
  const parts = Object.entries(created)
    .filter(([, names]) => names.length > 0)
    .map(([kind, names]) => `${names.length} ${(noun[kind] ?? [kind, kind])[names.length === 1 ? 0 : 1]}`);
  return [`  built  ${parts.length ? parts.join(', ') : 'nothing'} from the topology file`];
}
