// `vnet dns rm`: forgets a registered name.
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import { notFound } from '../../src/session/api.js';

export default class DnsRm extends VnetCommand {
  static override summary = 'Remove a registered name (from every router, or from --router only).';
  static override examples = ['<%= config.bin %> dns rm server.example'];
  static override args = { hostname: Args.string({ description: 'the name', required: true }) };
  static override flags = { router: Flags.string({ description: 'only from this router' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DnsRm);
    const r = (await this.call('dns.rm', { name: args.hostname, router: flags.router })) as { removed: boolean };
    if (!r.removed) throw notFound(`no registered name "${args.hostname}"; \`vnet dns ls\` lists them`);
    this.print(r, () => `removed ${args.hostname}`);
  }
}
