// `vnet router rm`: removes a router with everything below it.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import { confirmOrStop, yesFlag } from '../../src/cli/confirm.js';
import { bridgesText } from '../../src/cli/warnings.js';
import type { RouterView } from '../../src/session/api.js';

export default class RouterRm extends VnetCommand {
  static override summary = 'Remove a router and everything below it (hosts, child routers). Packets in flight are dropped.';
  static override description = 'Maps and proxies on the removed nodes go too (their real sockets closed) and are named in the output. ' +
    'At a terminal it asks first, naming what goes; --yes (or running from a script) does not ask.';
  static override examples = ['<%= config.bin %> router rm home', '<%= config.bin %> router rm home --yes'];
  static override flags = { ...yesFlag };
  static override args = { name: Args.string({ description: 'router name', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RouterRm);
    const view = (await this.call('router.show', { name: args.name })) as RouterView;
    const below = [...view.children, ...view.hosts];
    await confirmOrStop(`Remove router ${view.name}${below.length ? ` and everything below it (${below.join(', ')})` : ''}?`, flags.yes);
    const r = (await this.call('router.rm', { name: args.name })) as { removed: string[] } & Parameters<typeof bridgesText>[0];
    const bridges = bridgesText(r);
    this.print(r, () => `removed ${r.removed.join(', ')}${bridges ? `; with them ${bridges}` : ''}`);
  }
}
