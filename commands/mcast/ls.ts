// `vnet mcast ls`: groups nodes joined, and the members routers learnt from IGMP.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { McastView } from '../../src/session/api.js';
import { mcastTable } from '../../src/cli/mroute-format.js';

export default class McastLs extends VnetCommand {
  static override summary = 'List multicast groups: those hosts joined (by socket or `mcast join`), and those routers learnt on each interface from IGMP reports.';
  static override description = 'A learnt membership lasts 260 s after its last report (hosts answer the router\'s queries every 125 s), or 2 s after a leave nobody contradicts.';
  static override examples = ['<%= config.bin %> mcast ls', '<%= config.bin %> mcast ls campus --json'];
  static override args = { node: Args.string({ description: 'a host or router (default: all)' }) };

  async run(): Promise<void> {
    const { args } = await this.parse(McastLs);
    const v = (await this.call('mcast.ls', { node: args.node })) as McastView;
    this.print(v, () => mcastTable(v));
  }
}
