// `vnet dns ls`: every name, with the router whose subtree sees it.
import { VnetCommand } from '../../src/cli/base.js';
import type { DnsRecord } from '../../src/session/api.js';
import { dnsTable } from '../../src/cli/format.js';

export default class DnsLs extends VnetCommand {
  static override summary = 'List names: registered ones and host names (auto).';
  static override examples = ['<%= config.bin %> dns ls'];

  async run(): Promise<void> {
    await this.parse(DnsLs);
    const list = (await this.call('dns.ls')) as DnsRecord[];
    this.print(list, () => dnsTable(list));
  }
}
