// `vnet proxy ls`: proxied real servers with their counters.
import { VnetCommand } from '../../src/cli/base.js';
import type { ProxyInfo } from '../../src/session/api.js';

export default class ProxyLs extends VnetCommand {
  static override summary = 'List proxied real servers: virtual address, real address, clients, packets each way, errors.';
  static override examples = ['<%= config.bin %> proxy ls', '<%= config.bin %> proxy ls --json | jq ".[].errors"'];

  async run(): Promise<void> {
    await this.parse(ProxyLs);
    const list = (await this.call('proxy.ls')) as ProxyInfo[];
    this.print(list, () => (list.length === 0
      ? 'no proxies; `vnet proxy add --real 127.0.0.1:PORT --as IP:PORT` adds one'
      : list.map((p) => `${String(p.id).padStart(3)} ${p.as} -> ${p.real}  host ${p.host}  clients ${p.clients}  to real ${p.packetsToReal}/${p.bytesToReal}B  from real ${p.packetsFromReal}/${p.bytesFromReal}B  errors ${p.errors}${p.lastError ? ` (${p.lastError})` : ''}`)));
  }
}
