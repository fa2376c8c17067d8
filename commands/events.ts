// `vnet events`: NAT mappings made and expired, drops with reasons, nodes added and removed.
import { Flags } from '@oclif/core';
import { VnetCommand } from '../src/cli/base.js';
import { eventText, eventTime } from '../src/cli/event-text.js';
import { out } from '../src/cli/style.js';
import type { EventView } from '../src/session/api.js';

export default class Events extends VnetCommand {
  static override summary = 'Print the session\'s recent events; --follow keeps printing new ones until Ctrl-C (exit 0) or the session stops (exit 3).';
  static override description = 'Each line starts with the event\'s time on the session clock, written exactly (4m59.999s); --json prints one object per line with timeNs (integer nanoseconds).';
  static override examples = ['<%= config.bin %> events', '<%= config.bin %> events --follow --json | jq -c "select(.type==\\"drop\\")"'];
  static override flags = { follow: Flags.boolean({ char: 'f', description: 'keep printing new events' }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(Events);
    await this.callUntilInterrupted('events', { follow: flags.follow }, (item) => this.printItem(item, () => describeEvent(item as EventView)), null);
  }
}

export function describeEvent(e: EventView): string {
  return `${eventTime(e).padStart(12)} ${eventText(e, out)}`;
}
