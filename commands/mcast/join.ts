// `vnet mcast join`: a host joins a multicast group (an IGMPv2 report goes out).
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';

export default class McastJoin extends VnetCommand {
  static override summary = 'Make a host a member of a multicast group, as if a socket on it had joined: it sends an IGMPv2 report and takes the group\'s datagrams.';
  static override description = 'Its sockets bound to a port get the group\'s datagrams to that port. Joining again is not an error (nothing is sent).';
  static override examples = ['<%= config.bin %> mcast join alice 239.1.1.1'];
  static override args = {
    host: Args.string({ description: 'the host (or router)', required: true }),
    group: Args.string({ description: 'the multicast group, e.g. 239.1.1.1', required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(McastJoin);
    const r = (await this.call('mcast.join', { host: args.host, group: args.group })) as { host: string; group: string; joined: boolean };
    this.print(r, () => `${r.host} ${r.joined ? 'joined' : 'is already in'} ${r.group}`);
  }
}
