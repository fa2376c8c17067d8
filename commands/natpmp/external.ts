// `vnet natpmp external`: a virtual host asks its gateway for the external address (NAT-PMP op 0).
import { Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';

export default class NatPmpExternal extends VnetCommand {
  static override summary = 'Ask HOST\'s gateway for its external address with NAT-PMP, as natpmpc does without -a.';
  static override examples = ['<%= config.bin %> natpmp external --host alice', '<%= config.bin %> natpmp external --host alice --json | jq -r .external'];
  static override flags = { host: Flags.string({ description: 'the virtual host asking', required: true }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(NatPmpExternal);
    const r = (await this.call('natpmp.external', { host: flags.host })) as { host: string; gateway: string; external: string; epoch: number };
    this.print(r, () => `external address ${r.external} (gateway ${r.gateway}, epoch ${r.epoch})`);
  }
}
