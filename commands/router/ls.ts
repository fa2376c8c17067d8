// `vnet router ls`: every router with its subnet, addresses and NAT.
import { VnetCommand } from '../../src/cli/base.js';
import type { RouterView } from '../../src/session/api.js';
import { routerTable } from '../../src/cli/format.js';

export default class RouterLs extends VnetCommand {
  static override summary = 'List routers.';
  static override examples = ['<%= config.bin %> router ls', '<%= config.bin %> router ls --json | jq -r ".[].name"'];

  async run(): Promise<void> {
    await this.parse(RouterLs);
    const list = (await this.call('router.ls')) as RouterView[];
    this.print(list, () => routerTable(list));
  }
}
