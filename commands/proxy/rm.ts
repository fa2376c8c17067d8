// `vnet proxy rm`: stop proxying a real server.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { ProxyInfo } from '../../src/session/api.js';

export default class ProxyRm extends VnetCommand {
  static override summary = 'Remove a proxy: its sockets close, and a host it created goes too.';
  static override examples = ['<%= config.bin %> proxy rm 1'];
  static override args = { id: Args.integer({ description: 'proxy id (see `vnet proxy ls`)', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(ProxyRm);
    const p = (await this.call('proxy.rm', { id: args.id })) as ProxyInfo;
    this.print(p, () => `removed proxy ${p.id} (${p.as} -> ${p.real})`);
  }
}
