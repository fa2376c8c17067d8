// `vnet filter add`: impairment on an interface (loss, delay, jitter, rate, duplication, match-drop).
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { FilterInfo } from '../../src/session/api.js';
import { filterFlags, filterSpecFrom } from '../../src/cli/filter-flags.js';

export default class FilterAdd extends VnetCommand {
  static override summary = 'Add an impairment filter to an interface (egress by default, like tc).';
  static override description = 'Within one filter the order is drop-match, loss, duplicate, delay/jitter, rate (netem feeding tbf). Filters on one interface stack in the order added. Rates are bits (kbit, mbit, gbit); sizes are bytes (b, kb, mb).';
  static override examples = [
    '<%= config.bin %> filter add home/uplink --loss 2% --delay 30ms --jitter 5ms',
    '<%= config.bin %> filter add home/uplink --rate 4mbit --burst 32kb --queue 64kb',
    '<%= config.bin %> filter add alice --ingress --drop-match "udp and src port 53"',
    '<%= config.bin %> filter add home/uplink --loss-model gemodel:1,30 --seed 7',
  ];
  static override args = { iface: Args.string({ description: 'interface, NODE/IFACE or NODE', required: true }) };
  static override flags = { ...filterFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(FilterAdd);
    const f = (await this.call('filter.add', { on: args.iface, ...filterSpecFrom(flags) })) as FilterInfo;
    this.print(f, () => `filter ${f.id} on ${f.iface}: ${f.description}`);
  }
}
