// `vnet mroute add`: install a multicast (S,G) route on a router, as `smcroutectl add` does.
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { MrouteView } from '../../src/session/api.js';
import { oifsText } from '../../src/cli/mroute-format.js';

export default class MrouteAdd extends VnetCommand {
  static override summary = 'Install a multicast route: packets from SOURCE to GROUP arriving on --in leave by every --out interface.';
  static override description =
    'Each --out takes IFACE or IFACE:MINTTL. A copy leaves by an interface when the packet\'s TTL passes its threshold: TTL >= MINTTL ' +
    '(gVisor, the default) or TTL > MINTTL (routers added with --compat linux, as Linux ipmr); the threshold defaults to 1, and a packet ' +
    'with TTL 1 is never forwarded. Packets on another interface than --in are dropped (mroute-wrong-iif event). Installing replaces the ' +
    'route of the same (S,G) and forwards the packets its pending route held (at most 3, or 4 with --compat linux, if under 10 s old). ' +
    'A router without multicast forwarding gets it turned on, as smcroute does.';
  static override examples = [
    '<%= config.bin %> mroute add campus --source 198.51.100.1 --group 239.1.1.1 --in uplink --out lan',
    '<%= config.bin %> mroute add campus --source 10.1.0.2 --group 239.1.1.1 --in lan --out uplink:3',
  ];
  static override args = { router: Args.string({ description: 'the router', required: true }) };
  static override flags = {
    source: Flags.string({ description: 'the sender\'s unicast address (S)', required: true }),
    group: Flags.string({ description: 'the multicast group (G), e.g. 239.1.1.1', required: true }),
    in: Flags.string({ description: 'the interface the packets arrive on (lan, uplink, ...; ROUTER/IFACE is taken too)', required: true }),
    out: Flags.string({ description: 'an outgoing interface, IFACE or IFACE:MINTTL (repeatable)', required: true, multiple: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(MrouteAdd);
    const r = (await this.call('mroute.add', { router: args.router, source: flags.source, group: flags.group, in: flags.in, out: flags.out })) as MrouteView;
    this.print(r, () => `${r.router}: (${r.source}, ${r.group}) Iif: ${r.iif} Oifs: ${oifsText(r)} State: ${r.state}`);
  }
}
