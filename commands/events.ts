// `vnet events`: NAT mappings made and expired, drops with reasons, nodes added and removed.
import { Flags } from '@oclif/core';
import { endedByCtrlC, interruptSignal, VnetCommand } from '../src/cli/base.js';
import { out } from '../src/cli/style.js';
import type { NetworkEvent } from '../src/engine/events.js';
import { formatDuration } from '../src/engine/units.js';

export default class Events extends VnetCommand {
  static override summary = 'Print the session\'s recent events; --follow keeps printing new ones until Ctrl-C (exit 0).';
  static override examples = ['<%= config.bin %> events', '<%= config.bin %> events --follow --json | jq -c "select(.type==\\"drop\\")"'];
  static override flags = { follow: Flags.boolean({ char: 'f', description: 'keep printing new events' }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(Events);
    const interrupt = interruptSignal();
    try {
      await this.call('events', { follow: flags.follow }, (item) => this.printItem(item, () => describeEvent(item as NetworkEvent)), interrupt.signal).catch(endedByCtrlC(interrupt.signal, null));
    } finally {
      interrupt.release();
    }
  }
}

export function describeEvent(e: NetworkEvent): string {
  const t = formatDuration(e.time).padStart(10);
  switch (e.type) {
    case 'drop': return `${t} ${out.red('drop')} ${e.reason} at ${e.iface}: ${e.packet}`;
    case 'mapping-created': case 'mapping-expired': case 'mapping-deleted': case 'mapping-refused':
      return `${t} ${e.type} ${e.router} ${e.proto} ${e.internal} -> ${e.external}${e.remote ? ` (${e.remote})` : ''}${e.reason ? ` ${e.reason}` : ''}`;
    case 'node-added': case 'node-removed': return `${t} ${e.type} ${e.kind} ${e.name}`;
    case 'filter-added': case 'filter-changed': case 'filter-removed': return `${t} ${e.type} ${e.id} on ${e.iface}`;
    default: return `${t} ${JSON.stringify(e)}`;
  }
}
