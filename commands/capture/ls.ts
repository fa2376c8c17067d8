// `vnet capture ls`: the session's captures with their counters.
import { VnetCommand } from '../../src/cli/base.js';
import type { CaptureInfo } from '../../src/session/api.js';
import { captureTable } from '../../src/cli/format.js';

export default class CaptureLs extends VnetCommand {
  static override summary = 'List captures: id, state, interfaces, file, packets and bytes written.';
  static override examples = ['<%= config.bin %> capture ls', '<%= config.bin %> capture ls --json | jq ".[] | select(.state==\\"running\\") | .id"'];

  async run(): Promise<void> {
    await this.parse(CaptureLs);
    const list = (await this.call('capture.ls')) as CaptureInfo[];
    this.print(list, () => (list.length === 0 ? 'no captures; `vnet capture start IFACE -w FILE` starts one' : captureTable(list)));
  }
}

export function describeCapture(c: CaptureInfo): string {
  const where = c.file ?? 'stdout (stream)';
  const error = c.error ? ` — ${c.error}` : '';
  return `${String(c.id).padStart(3)} ${c.state.padEnd(8)} ${c.format.padEnd(6)} ${c.ifaces.join(',')} -> ${where}  ${c.packets} packets ${c.bytes} bytes${c.withDrops ? ` (${c.dropsRecorded} drops)` : ''}${error}`;
}
