// `vnet router iface rm`: takes a LAN interface from a router, with what is on it.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../../src/cli/base.js';
import { confirmOrStop, yesFlag } from '../../../src/cli/confirm.js';
import { bridgesText } from '../../../src/cli/warnings.js';
import type { RouterView } from '../../../src/session/api.js';

export default class RouterIfaceRm extends VnetCommand {
  static override summary = 'Remove a LAN interface (not the first) from a router, with the hosts and child routers on it.';
  static override description = 'Like `router rm`, what hangs on the LAN goes too (child routers with everything below them), ' +
    'and maps and proxies on removed nodes are named in the output. At a terminal it asks first, naming what goes; --yes ' +
    '(or running from a script) does not ask. The first LAN (lan) goes only with the router.';
  static override examples = ['<%= config.bin %> router iface rm office lan2', '<%= config.bin %> router iface rm office lan2 --yes'];
  static override flags = { ...yesFlag };
  static override args = { router: Args.string({ description: 'router name', required: true }), name: Args.string({ description: 'interface name, e.g. lan2', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RouterIfaceRm);
    const view = (await this.call('router.show', { name: args.router })) as RouterView;
    const lan = view.lans.find((l) => l.name === args.name);
    const on = lan ? [...lan.children, ...lan.hosts] : [];
    if (lan && lan !== view.lans[0]) await confirmOrStop(`Remove ${view.name}/${lan.name}${on.length ? ` and what is on it (${on.join(', ')})` : ''}?`, flags.yes);
    const r = (await this.call('router.iface.rm', { router: args.router, name: args.name })) as { iface: string; removed: string[] } & Parameters<typeof bridgesText>[0];
    const bridges = bridgesText(r);
    this.print(r, () => `removed ${[r.iface, ...r.removed].join(', ')}${bridges ? `; with them ${bridges}` : ''}`);
  }
}
