// `vnet router set`: change a router's uplink address at run time (a new lease from its ISP).
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { RouterView } from '../../src/session/api.js';

export default class RouterSet extends VnetCommand {
  static override summary = 'Give a child router new uplink addresses, as when its ISP hands out a new one.';
  static override description = 'The addresses are claimed in the parent\'s subnet and the old ones released. The router\'s NAT starts an empty table '
    + 'on the new addresses (the old mappings name an address it no longer has); a NAT-PMP service starts a new epoch and announces the new address.';
  static override examples = ['<%= config.bin %> router set home --ip 203.0.113.20'];
  static override args = { name: Args.string({ description: 'router name', required: true }) };
  static override flags = { ip: Flags.string({ description: 'uplink address in the parent\'s subnet (repeatable)', multiple: true, required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RouterSet);
    const r = (await this.call('router.set', { name: args.name, ips: flags.ip })) as RouterView;
    this.print(r, () => `router ${r.name} uplink ${r.uplink.join(',')} nat ${r.nat}`);
  }
}
