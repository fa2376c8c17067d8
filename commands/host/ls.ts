// `vnet host ls`: every host with its addresses.
import { VnetCommand } from '../../src/cli/base.js';
import type { HostView } from '../../src/session/api.js';
import { hostTable } from '../../src/cli/format.js';

export default class HostLs extends VnetCommand {
  static override summary = 'List hosts.';
  static override examples = ['<%= config.bin %> host ls', '<%= config.bin %> host ls --json'];

  async run(): Promise<void> {
    await this.parse(HostLs);
    const list = (await this.call('host.ls')) as HostView[];
    this.print(list, () => hostTable(list));
  }
}
