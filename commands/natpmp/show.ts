// `vnet natpmp show`: a router's NAT-PMP/PCP service: addresses, options, epoch, counters.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import { formatDuration, type NatPmpServerInfo } from '../../src/session/api.js';

export default class NatPmpShow extends VnetCommand {
  static override summary = 'Show a router\'s NAT-PMP/PCP service: where it listens, its options, epoch and counters.';
  static override examples = ['<%= config.bin %> natpmp show home', '<%= config.bin %> natpmp show home --json | jq .epoch'];
  static override args = { router: Args.string({ description: 'router name', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(NatPmpShow);
    const s = (await this.call('natpmp.show', { router: args.router })) as NatPmpServerInfo;
    this.print(s, () => describeNatPmp(s));
  }
}

export function describeNatPmp(s: NatPmpServerInfo): string {
  return `natpmp${s.pcp ? '+pcp' : ''} on ${s.router} ${s.addresses.map((a) => `${a}:5351`).join(', ')}  epoch ${s.epoch}s  max lifetime ${formatDuration(s.maxLifetimeNs)}` +
    `  ports ${s.allowPorts[0]}-${s.allowPorts[1]}${s.allowThirdParty ? '  third-party allowed' : ''}  ${s.mappings} requested mapping${s.mappings === 1 ? '' : 's'}` +
    `  ${s.requests} answered, ${s.ignored} ignored`;
}
