// `vnet router add`: a router owning a subnet, NATing to its parent.
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { RouterView } from '../../src/session/api.js';
import { natFlags, natOptionsFrom } from '../../src/cli/nat-flags.js';

export default class RouterAdd extends VnetCommand {
  static override summary = 'Add a router that owns a subnet; a child router NATs to its parent.';
  static override examples = [
    '<%= config.bin %> router add internet --cidr 0.0.0.0/0',
    '<%= config.bin %> router add home --parent internet --cidr 192.168.1.0/24 --nat port-restricted --ip 203.0.113.10',
    '<%= config.bin %> router add isp --parent internet --cidr 100.64.0.0/16 --nat none',
    '<%= config.bin %> router add lab --parent office --parent-lan lan2 --cidr 10.20.0.0/24 --nat none',
    '<%= config.bin %> router add lab --parent internet --cidr 10.9.0.0/24 --icmp-ratelimit 0',
    '<%= config.bin %> router add campus --parent internet --cidr 10.1.0.0/24 --nat none --multicast --compat linux',
    '<%= config.bin %> router add cgn --parent isp --cidr 10.0.0.0/8 --mapping ei --filtering ad --mapping-lifetime 2m --no-hairpin',
  ];
  static override args = { name: Args.string({ description: 'router name', required: true }) };
  static override flags = {
    cidr: Flags.string({ description: 'the subnet this router owns (its LAN), e.g. 192.168.1.0/24', required: true }),
    parent: Flags.string({ description: 'parent router (omit for the root)' }),
    'parent-lan': Flags.string({ description: 'the parent\'s LAN the uplink joins (lan, lan2, ...; default: the one holding --ip, else lan)' }),
    ip: Flags.string({ description: 'uplink address in the parent\'s subnet (repeatable; allocated when omitted)', multiple: true }),
    gateway: Flags.string({ description: 'LAN address (default: first usable address of the subnet)' }),
    ...natFlags,
    'min-delay': Flags.string({ description: 'delay added to every forwarded packet, e.g. 5ms' }),
    'max-jitter': Flags.string({ description: 'extra random delay up to this, order kept, e.g. 2ms' }),
    'queue-size': Flags.integer({ description: 'packets the router may hold while delaying (default 1024)' }),
    mtu: Flags.integer({ description: 'MTU of both interfaces in bytes (default 1500)' }),
    vlan: Flags.string({ description: 'VLAN ID, or outer,inner for QinQ, on both interfaces' }),
    'icmp-ratelimit': Flags.string({
      description: 'ICMP errors to one destination: one per this long, bursts of 6, like Linux\'s icmp_ratelimit (default 1s; 0 = no limit)',
    }),
    multicast: Flags.boolean({ description: 'forward multicast per `vnet mroute` routes and run the IGMP querier on the LAN' }),
    compat: Flags.string({ description: 'multicast semantics: gvisor (TTL >= threshold, 3 pending packets; default) or linux (ipmr: TTL > threshold, 4)', options: ['gvisor', 'linux'] }),
    'mroute-queue': Flags.integer({ description: 'packets held per unresolved (S,G) until a route comes (default 3, linux 4)', min: 0, max: 1024 }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RouterAdd);
    const r = (await this.call('router.add', {
      name: args.name, cidr: flags.cidr, parent: flags.parent, parentLan: flags['parent-lan'], uplink: flags.ip ? { ips: flags.ip } : undefined, gateway: flags.gateway,
      nat: natOptionsFrom(flags, flags.parent === undefined ? undefined : 'port-restricted'),
      minDelay: flags['min-delay'], maxJitter: flags['max-jitter'], queueSize: flags['queue-size'], mtu: flags.mtu, vlan: flags.vlan,
      icmpRatelimit: flags['icmp-ratelimit'],
      multicast: flags.multicast || flags.compat !== undefined || flags['mroute-queue'] !== undefined
        ? { forwarding: flags.multicast || undefined, compat: flags.compat as 'gvisor' | 'linux' | undefined, pendingQueueSize: flags['mroute-queue'] }
        : undefined,
    })) as RouterView;
    this.print(r, () => `router ${r.name} ${r.cidr} gateway ${r.gateway}${r.uplink.length ? ` uplink ${r.uplink.join(',')}` : ''} nat ${r.nat}`);
  }
}
