// `vnet natpmp enable`: NAT-PMP (and PCP) on a NAT router's LAN address, port 5351.
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { NatPmpServerInfo } from '../../src/session/api.js';
import { describeNatPmp } from './show.js';

export default class NatPmpEnable extends VnetCommand {
  static override summary = 'Serve NAT-PMP (RFC 6886), and PCP (RFC 6887) with --pcp, on a NAT router\'s LAN address, UDP 5351.';
  static override description =
    'Requests from hosts on the LAN create, renew and delete mappings in the router\'s own NAT (`vnet nat show` marks them requested, ' +
    'with their lifetime); they expire on the session clock and emit mapping events. Requests from the uplink side get nothing. ' +
    'The epoch starts now, and the external address is announced to 224.0.0.1:5350 ten times (0.25 s apart at first, doubling). ' +
    'Enabling again with other options restarts the service (a new epoch).';
  static override examples = [
    '<%= config.bin %> natpmp enable home',
    '<%= config.bin %> natpmp enable home --pcp --max-lifetime 2h --allow-ports 1024-65535',
  ];
  static override args = { router: Args.string({ description: 'a NAT router', required: true }) };
  static override flags = {
    pcp: Flags.boolean({ description: 'answer PCP (MAP, PEER, ANNOUNCE) too; without it PCP clients get NAT-PMP\'s unsupported version and fall back' }),
    'max-lifetime': Flags.string({ description: 'longest lifetime granted, e.g. 2h (default 24h)' }),
    'allow-ports': Flags.string({ description: 'internal ports clients may map, LO-HI (default 1-65535); others are refused' }),
    'allow-third-party': Flags.boolean({ description: 'PCP THIRD_PARTY: let a client map ports of another LAN address' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(NatPmpEnable);
    const s = (await this.call('natpmp.enable', {
      router: args.router, pcp: flags.pcp || undefined, maxLifetime: flags['max-lifetime'], allowPorts: flags['allow-ports'],
      allowThirdParty: flags['allow-third-party'] || undefined,
    })) as NatPmpServerInfo;
    this.print(s, () => describeNatPmp(s));
  }
}
