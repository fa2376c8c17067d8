// `vnet clock show`: the session's engine time.
import { VnetCommand } from '../../src/cli/base.js';
import { formatDuration } from '../../src/session/api.js';

export default class ClockShow extends VnetCommand {
  static override summary = 'Show the session\'s clock (real or virtual) and its time since the session started.';
  static override description = 'Text shows the time exactly (4m59.999s, 5m, 1h0m5s); --json gives timeNs, integer nanoseconds.';
  static override examples = ['<%= config.bin %> clock show', '<%= config.bin %> clock show --json | jq .timeNs'];

  async run(): Promise<void> {
    await this.parse(ClockShow);
    const c = (await this.call('clock.show')) as { kind: string; timeNs: number };
    this.print(c, () => `${c.kind} clock at ${formatDuration(c.timeNs)}`);
  }
}
