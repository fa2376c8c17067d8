// `vnet ls`: the sessions running for this user (every daemon in the runtime directory).
import { VnetCommand } from '../src/cli/base.js';
import { table } from '../src/cli/format.js';
import { ControlClient } from '../src/session/client.js';
import { listSessions, runtimeDir, socketPath } from '../src/session/runtime.js';

/** One session as `vnet ls --json` shows it. */
export interface SessionRow {
  name: string;
  /** running: its daemon answered; stale: a dead daemon's files (`vnet up` or `vnet down` clears them); busy: no answer in time. */
  state: 'running' | 'stale' | 'busy';
  pid: number | null;
  clock: string | null;
  seed: number | null;
  startedAt: string | null;
  socket: string;
}

/** How long `ls` waits for one daemon to answer before it shows it as busy. */
const ASK_TIMEOUT_MS = 2000;

export default class Ls extends VnetCommand {
  static override summary = 'List the sessions running for you: name, pid, clock, start time and socket.';
  static override description =
    'Every daemon with a socket in your runtime directory is asked for its details. A socket whose daemon died shows as stale ' +
    '(`vnet up` or `vnet down` on it clears it); a daemon that does not answer within 2 s shows as busy. Exits 0, also when none runs.';
  static override examples = ['<%= config.bin %> ls', '<%= config.bin %> ls --json | jq -r ".[].name"'];

  async run(): Promise<void> {
    await this.parse(Ls);
    const rows = await Promise.all(listSessions().map((s) => describe(s.name, s.pid)));
    this.print(rows, () => (rows.length === 0 ? `no sessions run in ${runtimeDir()}; \`vnet up\` starts one` : sessionTable(rows)));
  }
}

async function describe(name: string, pidFromFile: number | undefined): Promise<SessionRow> {
  const socket = socketPath(name);
  const row: SessionRow = { name, state: 'stale', pid: pidFromFile ?? null, clock: null, seed: null, startedAt: null, socket };
  let client: ControlClient;
  try {
    client = await ControlClient.connect(socket, { session: name, timeoutMs: ASK_TIMEOUT_MS });
  } catch (err) {
    if ((err as { code?: string }).code === 'ETIMEDOUT') row.state = 'busy';
    return row;
  }
  try {
    const info = (await client.call('session.info', {}, { timeoutMs: ASK_TIMEOUT_MS })) as { pid: number; clock: string; seed: number; startedAt: string };
    return { ...row, state: 'running', pid: info.pid, clock: info.clock, seed: info.seed, startedAt: info.startedAt };
  } catch {
    return { ...row, state: 'busy' };
  } finally {
    client.close();
  }
}

function sessionTable(rows: SessionRow[]): string[] {
  return table(['NAME', 'STATE', 'PID', 'CLOCK', 'STARTED', 'SOCKET'],
    rows.map((r) => [r.name, r.state, r.pid === null ? '-' : String(r.pid), r.clock ?? '-', r.startedAt ?? '-', r.socket]));
}
