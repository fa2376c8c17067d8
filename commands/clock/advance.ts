// `vnet clock advance`: moves a virtual clock forward, running everything due in order.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import { formatDuration } from '../../src/session/api.js';

export default class ClockAdvance extends VnetCommand {
  static override summary = 'Move a virtual clock forward; deliveries, delays and NAT expiries happen in time order.';
  static override examples = ['<%= config.bin %> clock advance 250ms', '<%= config.bin %> clock advance 2m   # let NAT mappings expire'];
  static override args = { duration: Args.string({ description: 'how far: 250ms, 5s, 2m, 1h', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(ClockAdvance);
    const c = (await this.call('clock.advance', { duration: args.duration })) as { kind: string; timeNs: number };
    this.print(c, () => `virtual clock at ${formatDuration(c.timeNs)}`);
  }
}
