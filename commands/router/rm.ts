// `vnet router rm`: removes a router with everything below it.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';

export default class RouterRm extends VnetCommand {
  static override summary = 'Remove a router and everything below it (hosts, child routers). Packets in flight are dropped.';
  static override examples = ['<%= config.bin %> router rm home'];
  static override args = { name: Args.string({ description: 'router name', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RouterRm);
    this.setup(flags);
    const r = (await this.call('router.rm', { name: args.name })) as { removed: string[] };
    this.print(r, () => `removed ${r.removed.join(', ')}`);
  }
}
