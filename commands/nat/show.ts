// `vnet nat show`: a router's live NAT mapping table.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { MappingView } from '../../src/session/api.js';
import { mappingTable } from '../../src/cli/format.js';

export default class NatShow extends VnetCommand {
  static override summary = 'Show the live mapping table of a router\'s NAT.';
  static override description = 'One row per mapping under a header: id, protocol, internal and external endpoints, the remote it is bound to, for TCP the connection state (syn-sent, syn-received, established, fin-wait, time-wait, closed; RFC 5382), time left, packets each way. --json gives the same objects as the library\'s router.nat.list(), with expiresInNs (integer nanoseconds; null: never) and state (TCP only).';
  static override examples = ['<%= config.bin %> nat show home', '<%= config.bin %> nat show home --json | jq ".mappings[].external"'];
  static override args = { router: Args.string({ description: 'router name', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(NatShow);
    const t = (await this.call('nat.show', { router: args.router })) as { router: string; nat: string; mappings: MappingView[] };
    this.print(t, () => [
      `${t.router}: ${t.nat}, ${t.mappings.length} mapping${t.mappings.length === 1 ? '' : 's'}`,
      ...(t.mappings.length > 0 ? mappingTable(t.mappings) : []),
    ]);
  }
}
