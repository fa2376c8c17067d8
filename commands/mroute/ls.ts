// `vnet mroute ls`: multicast routes, installed and pending, like `ip -s mroute show`.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { MrouteView } from '../../src/session/api.js';
import { mrouteTable } from '../../src/cli/mroute-format.js';

export default class MrouteLs extends VnetCommand {
  static override summary = 'List multicast routes (of one router, or all): resolved ones with counters and last use, unresolved ones with their queue.';
  static override description =
    'Columns as `ip -s mroute show` and smcroutectl give them: (S, G), input interface, outgoing interfaces with thresholds above 1 as ' +
    'IFACE(ttl N), state, packets queued (unresolved), packets and bytes forwarded, packets on the wrong interface, and when the route was ' +
    'last used (resolved) or expires (unresolved), on the session clock.';
  static override examples = ['<%= config.bin %> mroute ls', '<%= config.bin %> mroute ls campus --json'];
  static override args = { router: Args.string({ description: 'the router (default: every router)' }) };

  async run(): Promise<void> {
    const { args } = await this.parse(MrouteLs);
    const list = (await this.call('mroute.ls', { router: args.router })) as MrouteView[];
    this.print(list, () => mrouteTable(list));
  }
}
