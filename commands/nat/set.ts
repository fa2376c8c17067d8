// `vnet nat set`: changes a router's NAT while the session runs.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import { natFlags, natOptionsFrom } from '../../src/cli/nat-flags.js';
import { invalid, type RouterView } from '../../src/session/api.js';

export default class NatSet extends VnetCommand {
  static override summary = 'Change a router\'s NAT. A new mapping or filtering behaviour starts an empty table; other changes keep mappings.';
  static override examples = [
    '<%= config.bin %> nat set home --nat symmetric',
    '<%= config.bin %> nat set home --mapping-lifetime 30s',
    '<%= config.bin %> nat set home --tcp-established 124m --tcp-transitory 4m',
    '<%= config.bin %> nat set home --no-hairpin --port-preservation',
  ];
  static override args = { router: Args.string({ description: 'router name', required: true }) };
  static override flags = { ...natFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(NatSet);
    const nat = natOptionsFrom(flags);
    if (nat === undefined) throw invalid('nothing to change; give --nat or one of the NAT flags (see --help)');
    const r = (await this.call('nat.set', { router: args.router, nat })) as RouterView;
    this.print(r, () => `${r.name}: nat ${r.nat}`);
  }
}
