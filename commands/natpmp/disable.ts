// `vnet natpmp disable`: stop a router's NAT-PMP/PCP service.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { NatPmpServerInfo } from '../../src/session/api.js';

export default class NatPmpDisable extends VnetCommand {
  static override summary = 'Stop serving NAT-PMP/PCP on a router; mappings already granted stay until they expire.';
  static override examples = ['<%= config.bin %> natpmp disable home'];
  static override args = { router: Args.string({ description: 'router name', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(NatPmpDisable);
    const s = (await this.call('natpmp.disable', { router: args.router })) as NatPmpServerInfo;
    this.print(s, () => `natpmp disabled on ${s.router} (${s.mappings} requested mapping${s.mappings === 1 ? '' : 's'} left to expire)`);
  }
}
