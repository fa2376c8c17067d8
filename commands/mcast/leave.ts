// `vnet mcast leave`: a host leaves a group it joined with `mcast join`.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import { notFound } from '../../src/session/api.js';

export default class McastLeave extends VnetCommand {
  static override summary = 'Leave a multicast group joined with `vnet mcast join`; an IGMP leave goes out when no socket of the host holds the group.';
  static override examples = ['<%= config.bin %> mcast leave alice 239.1.1.1'];
  static override args = {
    host: Args.string({ description: 'the host (or router)', required: true }),
    group: Args.string({ description: 'the multicast group', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(McastLeave);
    const r = (await this.call('mcast.leave', { host: args.host, group: args.group })) as { host: string; group: string; left: boolean };
    if (!r.left) throw notFound(`${r.host} did not join ${r.group} with \`vnet mcast join\`; \`vnet mcast ls ${r.host}\` lists its groups`);
    this.print(r, () => `${r.host} left ${r.group}`);
  }
}
