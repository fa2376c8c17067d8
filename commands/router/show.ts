// `vnet router show`: one router in full, with interface counters.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import { formatDuration, type RouterView } from '../../src/session/api.js';
import { interfaceTable, lanTable } from '../../src/cli/format.js';

export default class RouterShow extends VnetCommand {
  static override summary = 'Show a router: subnets, NAT, delay settings, LANs, interfaces and their counters.';
  static override examples = ['<%= config.bin %> router show home'];
  static override args = { name: Args.string({ description: 'router name', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(RouterShow);
    const r = (await this.call('router.show', { name: args.name })) as RouterView;
    this.print(r, () => [
      `router ${r.name} ${r.cidr} gateway ${r.gateway}`,
      `  parent   ${r.parent ?? '(root)'}${r.uplink.length ? `  uplink ${r.uplink.join(', ')}` : ''}`,
      `  nat      ${r.nat}`,
      `  delay    min ${formatDuration(r.minDelayNs)} jitter ${formatDuration(r.maxJitterNs)} queue ${r.queueSize}`,
      `  icmp     ${r.icmpRatelimitNs === 0 ? 'errors not rate-limited' : `errors 1 per ${formatDuration(r.icmpRatelimitNs)} per destination, bursts of 6`}; ${r.icmpLimited} held back`,
      ...(r.multicast ? [`  mcast    forwarding ${r.multicast.forwarding ? 'on' : 'off'}, ${r.multicast.compat} semantics, ${r.multicast.pendingQueueSize} pending packets per (S,G), ${r.multicast.routes} routes (\`vnet mroute ls ${r.name}\`)`] : []),
      `  children ${r.children.join(', ') || '-'}`,
      `  hosts    ${r.hosts.join(', ') || '-'}`,
      ...(r.lans.length > 1 ? lanTable(r.lans, '  ') : []),
      ...interfaceTable(r.interfaces, '  '),
    ]);
  }
}
