// `vnet filter rm`: removes a filter; what it holds still leaves.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { FilterInfo } from '../../src/session/api.js';

export default class FilterRm extends VnetCommand {
  static override summary = 'Remove a filter. Packets it holds still leave as it said.';
  static override examples = ['<%= config.bin %> filter rm 1'];
  static override args = { id: Args.integer({ description: 'filter id (see `vnet filter ls`)', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(FilterRm);
    const f = (await this.call('filter.rm', { id: args.id })) as FilterInfo;
    this.print(f, () => `removed filter ${f.id} from ${f.iface}`);
  }
}
