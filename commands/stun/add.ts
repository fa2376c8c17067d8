// `vnet stun add`: a STUN server (RFC 8489; RFC 5780 with a second address) as a host on a router's LAN.
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { StunView } from '../../src/session/api.js';

export default class StunAdd extends VnetCommand {
  static override summary = 'Add a STUN server: a host of its own on a router\'s LAN answering Binding requests.';
  static override description = 'With one address it answers RFC 8489 Binding requests (XOR-MAPPED-ADDRESS, MAPPED-ADDRESS, SOFTWARE, FINGERPRINT) on --port. ' +
    'With --alt-ip it answers on both addresses and both ports (--port, --alt-port) as RFC 5780 asks, so that `vnet nat probe` can classify a NAT: ' +
    'OTHER-ADDRESS, RESPONSE-ORIGIN, CHANGE-REQUEST, RESPONSE-PORT and PADDING. Unknown comprehension-required attributes get a 420 error; ' +
    'malformed requests get nothing. `vnet stun rm` (or removing the host or its router) stops it.';
  static override examples = [
    '<%= config.bin %> stun add stun1 --router internet --ip 198.51.100.10 --alt-ip 198.51.100.11',
    '<%= config.bin %> stun add plain --router internet --ip 198.51.100.20 --port 19302',
  ];
  static override args = { name: Args.string({ description: 'server (and host) name', required: true }) };
  static override flags = {
    router: Flags.string({ description: 'the router whose LAN the server joins', required: true }),
    ip: Flags.string({ description: 'primary address, in the router\'s subnet', required: true }),
    'alt-ip': Flags.string({ description: 'alternate address for RFC 5780 (another address in the subnet)' }),
    port: Flags.integer({ description: 'primary port', default: 3478, min: 1, max: 65535 }),
    'alt-port': Flags.integer({ description: 'alternate port, with --alt-ip (default 3479)', min: 1, max: 65535 }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(StunAdd);
    const s = (await this.call('stun.add', {
      name: args.name, router: flags.router, ip: flags.ip, altIp: flags['alt-ip'], port: flags.port, altPort: flags['alt-port'],
    })) as StunView;
    this.print(s, () => `stun ${s.name} on ${s.router} answering ${s.endpoints.join(', ')}${s.rfc5780 ? ' (RFC 5780)' : ''}`);
  }
}
