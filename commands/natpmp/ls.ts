// `vnet natpmp ls`: every router's NAT-PMP/PCP service.
import { VnetCommand } from '../../src/cli/base.js';
import type { NatPmpServerInfo } from '../../src/session/api.js';
import { describeNatPmp } from './show.js';

export default class NatPmpLs extends VnetCommand {
  static override summary = 'List the routers serving NAT-PMP/PCP.';
  static override examples = ['<%= config.bin %> natpmp ls', '<%= config.bin %> natpmp ls --json | jq ".[].router"'];

  async run(): Promise<void> {
    await this.parse(NatPmpLs);
    const list = (await this.call('natpmp.ls')) as NatPmpServerInfo[];
    this.print(list, () => (list.length === 0 ? 'no NAT-PMP services; `vnet natpmp enable ROUTER` starts one' : list.map(describeNatPmp)));
  }
}
