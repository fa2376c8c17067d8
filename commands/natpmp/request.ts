// `vnet natpmp request`: a virtual host asks its gateway for a port mapping (NAT-PMP, or PCP MAP).
import { Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import { invalid, type HostMappingResult } from '../../src/session/api.js';

export default class NatPmpRequest extends VnetCommand {
  static override summary = 'Ask HOST\'s gateway to map one of its ports (NAT-PMP, or PCP MAP with --pcp), as natpmpc -a does.';
  static override description =
    'The host sends from its own address to its router\'s LAN address, port 5351, retransmitting on RFC 6886\'s schedule (250 ms, doubling, 9 sends) '
    + 'or PCP\'s (3 s, doubling, 3 sends). --lifetime 0 deletes the mapping. On the virtual clock retransmissions wait for `vnet clock advance`, '
    + 'so the command gives up after 5 s of wall time without an answer. A refusal (not authorized, out of resources) exits 1.';
  static override examples = [
    '<%= config.bin %> natpmp request --host alice --udp 5000',
    '<%= config.bin %> natpmp request --host alice --tcp 22 --external 2222 --lifetime 3600',
    '<%= config.bin %> natpmp request --host alice --udp 5000 --lifetime 0',
    '<%= config.bin %> natpmp request --host alice --udp 5000 --pcp --json | jq -r .external',
  ];
  static override flags = {
    host: Flags.string({ description: 'the virtual host asking', required: true }),
    udp: Flags.integer({ description: 'the host\'s UDP port to map', min: 1, max: 65535, exclusive: ['tcp'] }),
    tcp: Flags.integer({ description: 'the host\'s TCP port to map', min: 1, max: 65535, exclusive: ['udp'] }),
    external: Flags.integer({ description: 'suggested external port (default: any)', min: 0, max: 65535, aliases: ['external-port'] }),
    lifetime: Flags.integer({ description: 'seconds (default 7200); 0 deletes the mapping', min: 0, max: 4294967295 }),
    pcp: Flags.boolean({ description: 'use PCP MAP instead of NAT-PMP' }),
    nonce: Flags.string({ description: 'PCP: the nonce (24 hex digits) of an earlier MAP, to renew or delete it' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(NatPmpRequest);
    const port = flags.udp ?? flags.tcp;
    if (port === undefined) throw invalid('give the port to map with --udp PORT or --tcp PORT');
    const r = (await this.call('natpmp.request', {
      host: flags.host, protocol: flags.udp !== undefined ? 'udp' : 'tcp', port, external: flags.external, lifetime: flags.lifetime, pcp: flags.pcp || undefined, nonce: flags.nonce,
    })) as HostMappingResult;
    this.print(r, () => (r.lifetime === 0
      ? `${r.via} ${r.protocol} ${r.internal}: mapping deleted (gateway ${r.gateway}, epoch ${r.epoch})`
      : `${r.via} ${r.protocol} ${r.internal} -> ${r.external} for ${r.lifetime}s (gateway ${r.gateway}, epoch ${r.epoch})${r.nonce ? ` nonce ${r.nonce}` : ''}`));
  }
}
