// `vnet stun rm`: stops a STUN server and removes its host.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';

export default class StunRm extends VnetCommand {
  static override summary = 'Remove a STUN server and its host.';
  static override examples = ['<%= config.bin %> stun rm stun1'];
  static override args = { name: Args.string({ description: 'server name', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(StunRm);
    const r = (await this.call('stun.rm', { name: args.name })) as { removed: string };
    this.print(r, () => `removed stun ${r.removed}`);
  }
}
