// `vnet mroute rm`: remove one multicast route of a router, or all of them.
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';

export default class MrouteRm extends VnetCommand {
  static override summary = 'Remove a multicast route (--source and --group), or every installed route of the router (--all).';
  static override description = 'Pending (unresolved) routes are left alone; they expire 10 s after their first packet.';
  static override examples = [
    '<%= config.bin %> mroute rm campus --source 198.51.100.1 --group 239.1.1.1',
    '<%= config.bin %> mroute rm campus --all',
  ];
  static override args = { router: Args.string({ description: 'the router', required: true }) };
  static override flags = {
    source: Flags.string({ description: 'the route\'s source (S)' }),
    group: Flags.string({ description: 'the route\'s group (G)' }),
    all: Flags.boolean({ description: 'remove every installed route of the router' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(MrouteRm);
    const r = (await this.call('mroute.rm', { router: args.router, source: flags.source, group: flags.group, all: flags.all || undefined })) as { router: string; removed: number };
    this.print(r, () => `removed ${r.removed} route${r.removed === 1 ? '' : 's'} from ${r.router}`);
  }
}
