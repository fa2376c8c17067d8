// `vnet proxy add`: a real UDP server appears inside the virtual network.
import { Flags } from '@oclif/core';
import { printWarnings } from '../../src/cli/warnings.js';
import { VnetCommand } from '../../src/cli/base.js';
import type { ProxyInfo } from '../../src/session/api.js';

export default class ProxyAdd extends VnetCommand {
  static override summary = 'Make a real UDP server on loopback reachable inside the virtual network at VIRTUAL_IP:PORT.';
  static override description =
    'A virtual host with VIRTUAL_IP is reused, or made on the router whose subnet holds it (or --router). Each virtual client gets its ' +
    'own real socket toward the server, so the server sees distinct clients; replies travel back through the virtual network, NAT and ' +
    'impairment included. The server may stop and start again: while it is down its clients get ICMP port unreachable.';
  static override examples = [
    '<%= config.bin %> proxy add --real 127.0.0.1:5353 --as 198.51.100.53:53',
    '<%= config.bin %> proxy add --real 127.0.0.1:7000 --as 10.0.0.50:7000 --router office',
  ];
  static override flags = {
    real: Flags.string({ description: 'the real server, 127.0.0.1:PORT (any 127.0.0.0/8 address)', required: true }),
    as: Flags.string({ description: 'where it appears in the virtual network, VIRTUAL_IP:PORT', required: true }),
    router: Flags.string({ description: 'router for a new host (default: the one whose subnet holds VIRTUAL_IP)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ProxyAdd);
    const p = (await this.call('proxy.add', { real: flags.real, as: flags.as, router: flags.router })) as ProxyInfo;
    printWarnings(p);
    this.print(p, () => `proxy ${p.id}: ${p.as} (host ${p.host}${p.createdHost ? ', new' : ''}) -> real ${p.real}`);
  }
}
