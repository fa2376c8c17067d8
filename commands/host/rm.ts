// `vnet host rm`: removes a host; its sockets close.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import { confirmOrStop, yesFlag } from '../../src/cli/confirm.js';
import { bridgesText } from '../../src/cli/warnings.js';

export default class HostRm extends VnetCommand {
  static override summary = 'Remove a host. Its sockets close; packets in flight to it are dropped; its maps and proxies go too.';
  static override description = 'Maps (`vnet map add --host`) and proxies bound on the host are removed with it, their real sockets closed, and named in the output ' +
    '(like docker removing a container\'s port maps). At a terminal it asks first; --yes (or running from a script) does not ask.';
  static override examples = ['<%= config.bin %> host rm alice', '<%= config.bin %> host rm alice -y'];
  static override flags = { ...yesFlag };
  static override args = { name: Args.string({ description: 'host name', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(HostRm);
    await confirmOrStop(`Remove host ${args.name}?`, flags.yes);
    const r = (await this.call('host.rm', { name: args.name })) as { removed: string[] } & Parameters<typeof bridgesText>[0];
    const bridges = bridgesText(r);
    this.print(r, () => `removed ${r.removed.join(', ')}${bridges ? `; with them ${bridges}` : ''}`);
  }
}
