// `vnet natpmp reset`: a simulated gateway reboot.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { NatPmpServerInfo } from '../../src/session/api.js';

export default class NatPmpReset extends VnetCommand {
  static override summary = 'Simulate a gateway reboot: the router\'s NAT table and the NAT-PMP epoch are lost, and announcements go out.';
  static override description = 'Every mapping of the router\'s NAT goes (requested or learnt from traffic, without expiry events), the epoch restarts at 0, '
    + 'and the external address is announced to 224.0.0.1:5350 again; clients that check the epoch (RFC 6886 §3.6) then re-create their mappings.';
  static override examples = ['<%= config.bin %> natpmp reset home'];
  static override args = { router: Args.string({ description: 'router name', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(NatPmpReset);
    const s = (await this.call('natpmp.reset', { router: args.router })) as NatPmpServerInfo;
    this.print(s, () => `natpmp on ${s.router} reset: epoch 0, mappings lost`);
  }
}
