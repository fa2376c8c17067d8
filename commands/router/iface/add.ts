// `vnet router iface add`: another LAN interface on a router, with its own subnet.
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../../../src/cli/base.js';
import type { LanView } from '../../../src/session/api.js';

export default class RouterIfaceAdd extends VnetCommand {
  static override summary = 'Give a router another LAN interface with its own subnet; the router routes between its LANs.';
  static override description = 'NAME defaults to lan2, lan3, ... (the first free). The subnet may overlap none of the router\'s ' +
    'other LANs, nothing below it, and (for a routed router) nothing its parents route. Hosts and child routers join it with ' +
    '--lan NAME, or by an --ip inside its subnet. Behind a NAT every LAN is inside: traffic from any of them is translated on the uplink.';
  static override examples = [
    '<%= config.bin %> router iface add office lan2 --cidr 10.2.0.0/24',
    '<%= config.bin %> router iface add office --cidr 10.3.0.0/24 --gateway 10.3.0.254 --vlan 30',
    '<%= config.bin %> router iface add office dmz --cidr 172.16.5.0/24 --mac 02:00:00:00:05:01',
  ];
  static override args = { router: Args.string({ description: 'router name', required: true }), name: Args.string({ description: 'interface name (default lan2, lan3, ...)' }) };
  static override flags = {
    cidr: Flags.string({ description: 'the LAN\'s subnet, e.g. 10.2.0.0/24', required: true }),
    gateway: Flags.string({ description: 'the router\'s address on it (default: the first usable address)' }),
    mac: Flags.string({ description: 'MAC address of the interface (default: derived from ROUTER/NAME)' }),
    vlan: Flags.string({ description: 'VLAN ID, or outer,inner for QinQ, on the interface and its hosts (default: none)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RouterIfaceAdd);
    const l = (await this.call('router.iface.add', {
      router: args.router, name: args.name, cidr: flags.cidr, gateway: flags.gateway, mac: flags.mac, vlan: flags.vlan,
    })) as LanView & { router: string };
    this.print(l, () => `interface ${l.router}/${l.name} ${l.cidr} gateway ${l.gateway}${l.vlan.length ? ` vlan ${l.vlan.join('.')}` : ''}`);
  }
}
