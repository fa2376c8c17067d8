// `vnet stun ls`: the STUN servers, their addresses and what they answered.
import { VnetCommand } from '../../src/cli/base.js';
import type { StunView } from '../../src/session/api.js';
import { table } from '../../src/cli/format.js';

export default class StunLs extends VnetCommand {
  static override summary = 'List STUN servers: addresses, ports, and requests answered, refused (error responses) and ignored (malformed).';
  static override examples = ['<%= config.bin %> stun ls', '<%= config.bin %> stun ls --json'];

  async run(): Promise<void> {
    await this.parse(StunLs);
    const list = (await this.call('stun.ls')) as StunView[];
    this.print(list, () => table(['NAME', 'ROUTER', 'ADDRESS', 'ALTERNATE', 'RFC 5780', 'ANSWERED', 'ERRORS', 'IGNORED'], list.map((s) => [
      s.name, s.router, `${s.ip}:${s.port}`, s.altIp === null ? '' : `${s.altIp}:${s.altPort}`, s.rfc5780 ? 'yes' : 'no', s.answered, s.errors, s.ignored,
    ])));
  }
}
