// `vnet down`: stop a session daemon and wait until it is gone.
import { unlinkSync } from 'node:fs';
import { VnetCommand } from '../src/cli/base.js';
import { confirmOrStop, yesFlag } from '../src/cli/confirm.js';
import { STOP_TIMEOUT_MS, waitStopped } from '../src/cli/daemon-start.js';
import { VnetError } from '../src/session/api.js';
import { reportStaleCaptures } from '../src/session/capture-claims.js';
import { ControlClient } from '../src/session/client.js';
import { pidPath, processAlive, readPid, sessionName, socketPath } from '../src/session/runtime.js';

export default class Down extends VnetCommand {
  static override summary = 'Stop a session: flush and close its captures, stop the daemon, remove its socket.';
  static override description = 'At a terminal it asks first; --yes (or running from a script) does not ask. Exits 3 when no such session runs. A socket left by a daemon that died is removed (and reported, exit 3), and a capture file it was writing is cut back to its last whole record.';
  static override examples = ['<%= config.bin %> down', '<%= config.bin %> down --session lab2 --yes'];
  static override flags = { ...yesFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(Down);
    const name = sessionName(flags.session);
    const sock = socketPath(name);
    const pidFile = pidPath(name);
    let client: ControlClient;
    try {
      client = await ControlClient.connect(sock, { session: name });
    } catch (err) {
      if ((err as VnetError).code === 'ESTALE') {
        removeStale(sock, pidFile);
        reportStaleCaptures();
      }
      throw err;
    }
    let info: { pid: number };
    try {
      await confirmOrStop(`Stop session ${name} and lose its network?`, flags.yes);
      info = (await client.call('session.shutdown', {}, { timeoutMs: STOP_TIMEOUT_MS })) as { pid: number };
    } finally {
      client.close();
    }
    await waitStopped(name, info.pid);
    this.print({ session: name, stopped: true, pid: info.pid }, () => `session ${name} stopped (pid ${info.pid})`);
  }
}

function removeStale(sock: string, pidFile: string): void {
  const pid = readPid(pidFile);
  if (pid !== undefined && processAlive(pid)) return; // something still runs under that pid: leave it
  for (const f of [sock, pidFile]) {
    try {
      unlinkSync(f);
    } catch {
      // gone already
    }
  }
}
