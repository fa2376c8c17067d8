// `vnet proxy ls`: proxied real servers with their counters.
import { VnetCommand } from '../../src/cli/base.js';
import type { ProxyInfo } from '../../src/session/api.js';
import { proxyTable } from '../../src/cli/format.js';

export default class ProxyLs extends VnetCommand {
  static override summary = 'List proxied real servers: virtual address, real address, clients, packets each way, errors.';
  static override examples = ['<%= config.bin %> proxy ls', '<%= config.bin %> proxy ls --json | jq ".[].errors"'];

  async run(): Promise<void> {
    await this.parse(ProxyLs);
    const list = (await this.call('proxy.ls')) as ProxyInfo[];
    this.print(list, () => (list.length === 0
      ? 'no proxies; `vnet proxy add --real 127.0.0.1:PORT --as IP:PORT` adds one'
      : proxyTable(list)));
  }
}
