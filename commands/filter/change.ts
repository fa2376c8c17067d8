// `vnet filter change`: new settings for a filter, same id and place.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { FilterInfo } from '../../src/session/api.js';
import { filterFlags, filterSpecFrom } from '../../src/cli/filter-flags.js';

export default class FilterChange extends VnetCommand {
  static override summary = 'Replace a filter\'s settings; packets it already holds leave as before.';
  static override examples = ['<%= config.bin %> filter change 1 --loss 10%', '<%= config.bin %> filter change 2 --delay 80ms --jitter 10ms'];
  static override args = { id: Args.integer({ description: 'filter id (see `vnet filter ls`)', required: true }) };
  static override flags = { ...filterFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(FilterChange);
    const f = (await this.call('filter.change', { id: args.id, ...filterSpecFrom(flags) })) as FilterInfo;
    this.print(f, () => `filter ${f.id} on ${f.iface}: ${f.description}`);
  }
}
