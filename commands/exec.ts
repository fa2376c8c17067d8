// `vnet exec`: run a real program as a virtual host: maps up, program run, maps down, its exit status.
import { Flags } from '@oclif/core';
import { useInProcessSession, VnetCommand } from '../src/cli/base.js';
import { printWarnings } from '../src/cli/warnings.js';
import { reportStaleCaptures } from '../src/session/capture-claims.js';
import { runProgram } from '../src/cli/run-program.js';
import { type HostView, invalid, type MapInfo, parseDuration, VnetError } from '../src/session/api.js';
import { cannotEnterNamespaces, inNamespace } from '../src/session/netns-runtime.js';
import { daemonAnswers } from '../src/session/client.js';
import { sessionName } from '../src/session/runtime.js';
import { Session } from '../src/session/session.js';
import { readTopologyFile, topologySettings } from '../src/session/topology.js';

interface MapSpec {
  listen: string;
  remote: string;
}

export default class Exec extends VnetCommand {
  static override summary = 'Run a real program as a virtual host: set up maps, run it, tear them down, exit with its status.';
  static override description =
    'Each --map LOCAL=DEST:PORT binds LOCAL (a port, or ADDR:PORT on 127.0.0.0/8; 0 picks a free port) so that what the program sends ' +
    'there leaves HOST toward DEST:PORT, and replies come back to it. The program gets the chosen addresses in its environment: ' +
    'VNET_MAP_1=127.0.0.1:PORT, VNET_MAP_1_PORT=PORT (and _2, _3, ... in --map order), VNET_HOST and VNET_SESSION. stdio is the ' +
    'terminal\'s; SIGINT, SIGTERM and SIGHUP are passed on. For a netns host (`host add --netns`) the program runs inside the host\'s network ' +
    'namespace instead (through `ip netns exec`, as root; VNET_NETNS names it) and needs no --map: it is the host, for any protocol. With a running session the maps live there; without one, -f builds a ' +
    'network in this process for the run (standalone). Exit status: the program\'s; 124 when --timeout passes; 127 when it cannot be run.';
  static override examples = [
    '<%= config.bin %> exec --host alice --map 15353=198.51.100.53:53 -- dig @127.0.0.1 -p 15353 test.example',
    '<%= config.bin %> exec --host alice --map 0=server.example:7 -- sh -c \'echo hi | socat - UDP:$VNET_MAP_1\'',
    'sudo <%= config.bin %> exec --host alice -- curl -s http://web.example/   # alice added with --netns',
    '<%= config.bin %> exec -f lab.yaml --host bob --map 5000=198.51.100.7:5000 --timeout 30s -- ./my-voip-client 127.0.0.1 5000',
  ];
  static override strict = false;
  static override usage = 'exec --host HOST [--map LOCAL=DEST:PORT]... [--timeout D] [-f TOPOLOGY] -- CMD [ARGS...]';
  static override flags = {
    host: Flags.string({ description: 'the virtual host the program becomes', required: true }),
    map: Flags.string({ description: 'LOCAL=DEST:PORT: a local port (or 127.x.y.z:PORT) bridged to DEST:PORT from HOST (repeatable)', multiple: true }),
    timeout: Flags.string({ description: 'stop the program (SIGTERM, then SIGKILL) after this long; exit status 124' }),
    file: Flags.string({ char: 'f', description: 'with no session running: build this topology in this process for the run' }),
    clock: Flags.string({ description: 'standalone: the clock of the network built from -f (default: the file\'s, else real)', options: ['real', 'virtual'] }),
    seed: Flags.integer({ description: 'standalone: seed for every random choice (default: the file\'s, else 1)', min: 0, max: 4294967295 }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Exec);
    // What follows `--` exactly as typed: oclif's non-strict argv reorders repeated values ("-c 2 -W 2").
    const dashes = this.argv.indexOf('--');
    const cmd = dashes >= 0 ? this.argv.slice(dashes + 1) : (argv as string[]);
    if (cmd.length === 0) throw invalid('name the program to run after --, e.g. `vnet exec --host alice --map 4000=198.51.100.7:7 -- socat - UDP:127.0.0.1:4000`');
    const specs = (flags.map ?? []).map(parseMap);
    const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout, 'timeout') / 1e6;
    const standalone = await this.standaloneSession(flags);
    const maps: MapInfo[] = [];
    try {
      // An unknown host is exit 2, and the program is not run.
      const host = (await this.call('host.show', { name: flags.host })) as HostView;
      if (host.netns !== undefined) {
        if (specs.length > 0) throw invalid(`host ${flags.host} is a netns host: programs run in its namespace reach any address themselves, so --map is not needed; drop --map`);
        if (host.netns === null) throw invalid(`host ${flags.host} is a netns host without a namespace (a session that could not make one); remove it and add it again`);
        const why = cannotEnterNamespaces();
        if (why !== null) throw invalid(why.replace('start the session as root (sudo vnet up)', 'run vnet exec as root'));
        const code = await runProgram(inNamespace(host.netns, cmd), { VNET_HOST: flags.host, VNET_SESSION: sessionName(flags.session), VNET_NETNS: host.netns }, timeoutMs);
        if (code !== 0) this.exit(code);
        return;
      }
      for (const m of specs) {
        const added = (await this.call('map.add', { host: flags.host, listen: m.listen, remote: m.remote })) as MapInfo & { warnings?: string[] };
        if (maps.length === 0) printWarnings(added);
        maps.push(added);
      }
      const env: Record<string, string> = { VNET_HOST: flags.host, VNET_SESSION: sessionName(flags.session) };
      maps.forEach((m, i) => {
        env[`VNET_MAP_${i + 1}`] = m.listen;
        env[`VNET_MAP_${i + 1}_PORT`] = String(m.listenPort);
      });
      const code = await runProgram(cmd, env, timeoutMs);
      if (code !== 0) this.exit(code);
    } finally {
      for (const m of maps) await this.call('map.rm', { id: m.id }).catch(() => undefined);
      if (standalone) {
        useInProcessSession(null);
        standalone.close();
      }
    }
  }

  /** With no daemon for the session: a Session in this process, built from -f; otherwise null (the daemon is used). */
  private async standaloneSession(flags: { session?: string; file?: string; clock?: string; seed?: number }): Promise<Session | null> {
    const name = sessionName(flags.session);
    if (await daemonAnswers(name)) {
      if (flags.file) throw invalid(`session "${name}" is running, so -f is not used; drop -f, or stop the session to run standalone`);
      return null;
    }
    if (!flags.file) {
      throw new VnetError('ENOSESSION', `no session "${name}" is running; start one with \`vnet up -f TOPOLOGY\`, or give \`vnet exec -f TOPOLOGY\` to run standalone`);
    }
    const topology = await readTopologyFile(flags.file);
    const fromFile = topologySettings(topology.text);
    const clock = flags.clock === 'virtual' || flags.clock === 'real' ? flags.clock : fromFile.clock ?? 'real';
    reportStaleCaptures();
    const session = new Session({ clock, seed: flags.seed ?? fromFile.seed ?? 1, name });
    try {
      await session.call('topology.apply', topology, { signal: new AbortController().signal, emit: () => {} });
    } catch (err) {
      session.close();
      throw err;
    }
    useInProcessSession(session);
    return session;
  }
}

/** "4000=198.51.100.7:7" or "127.0.0.2:5351=192.168.1.1:5351" → the map's listen and remote. */
function parseMap(text: string): MapSpec {
  const eq = text.indexOf('=');
  const local = text.slice(0, eq);
  const remote = text.slice(eq + 1);
  if (eq <= 0 || !remote.includes(':')) {
    throw invalid(`--map "${text}" is not LOCAL=DEST:PORT, e.g. 4000=198.51.100.7:7 or 127.0.0.2:5351=192.168.1.1:5351`);
  }
  return { listen: /^\d+$/.test(local) ? `127.0.0.1:${local}` : local, remote };
}
