// `vnet dns add`: a name for hosts below a router (default: everywhere).
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { DnsRecord } from '../../src/session/api.js';

export default class DnsAdd extends VnetCommand {
  static override summary = 'Register a name; hosts below --router (default: the root, so everyone) resolve it.';
  static override examples = [
    '<%= config.bin %> dns add server.example 198.51.100.7',
    '<%= config.bin %> dns add printer.home 192.168.1.50 --router home',
  ];
  static override args = {
    hostname: Args.string({ description: 'the name', required: true }),
    ip: Args.string({ description: 'its IPv4 address', required: true }),
  };
  static override flags = { router: Flags.string({ description: 'only hosts below this router see the name' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DnsAdd);
    const r = (await this.call('dns.add', { name: args.hostname, ip: args.ip, router: flags.router })) as DnsRecord;
    this.print(r, () => `${r.name} -> ${r.ip} (below ${r.router})`);
  }
}
