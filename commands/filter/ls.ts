// `vnet filter ls`: filters by id, with what they hold now.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { FilterInfo } from '../../src/session/api.js';
import { filterTable } from '../../src/cli/format.js';

export default class FilterLs extends VnetCommand {
  static override summary = 'List filters (of one interface, or all).';
  static override examples = ['<%= config.bin %> filter ls', '<%= config.bin %> filter ls home/uplink'];
  static override args = { iface: Args.string({ description: 'interface, NODE/IFACE or NODE' }) };

  async run(): Promise<void> {
    const { args } = await this.parse(FilterLs);
    const list = (await this.call('filter.ls', { iface: args.iface })) as FilterInfo[];
    this.print(list, () => filterTable(list));
  }
}
