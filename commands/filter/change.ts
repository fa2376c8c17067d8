// `vnet filter change`: new settings for a filter, same id and place.
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { FilterInfo } from '../../src/session/api.js';
import { filterChangeFrom, filterFlags, UNSETTABLE } from '../../src/cli/filter-flags.js';

export default class FilterChange extends VnetCommand {
  static override summary = 'Change some of a filter\'s settings; the others stay, and packets it already holds leave as before.';
  static override description =
    'Like `nat set`, only what is given changes: `filter change 2 --jitter 10ms` keeps the filter\'s delay, loss and rate. ' +
    '--unset NAME removes a setting (repeatable; --unset rate also removes --burst and --queue); --delay 0 and --jitter 0 also turn those off. ' +
    '--loss and --loss-model replace each other. The direction stays unless --ingress is given. A change that would leave the filter ' +
    'nothing to do is refused: remove it with `vnet filter rm ID`.';
  static override examples = [
    '<%= config.bin %> filter change 1 --loss 10%',
    '<%= config.bin %> filter change 2 --jitter 10ms          # the delay stays',
    '<%= config.bin %> filter change 2 --unset jitter --unset rate',
  ];
  static override args = { id: Args.integer({ description: 'filter id (see `vnet filter ls`)', required: true }) };
  static override flags = {
    ...filterFlags,
    unset: Flags.string({ description: 'remove this setting from the filter (repeatable)', multiple: true, options: Object.keys(UNSETTABLE) }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(FilterChange);
    const f = (await this.call('filter.change', { id: args.id, ...filterChangeFrom(flags) })) as FilterInfo;
    this.print(f, () => `filter ${f.id} on ${f.iface}: ${f.description}`);
  }
}
