// `vnet capture stop`: flush and close one capture, or all of them.
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import { type CaptureInfo, VnetError } from '../../src/session/api.js';
import { describeCapture } from './ls.js';

export default class CaptureStop extends VnetCommand {
  static override summary = 'Stop a capture (or --all): its file is flushed and closed, a stream ends.';
  static override examples = ['<%= config.bin %> capture stop 1', '<%= config.bin %> capture stop --all'];
  static override args = { id: Args.integer({ description: 'capture id (see `vnet capture ls`)' }) };
  static override flags = { all: Flags.boolean({ description: 'stop every capture of the session' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(CaptureStop);
    if ((args.id === undefined) === !flags.all) throw new VnetError('EINVAL', 'give a capture id or --all, not both or neither; `vnet capture ls` lists the ids');
    const stopped = (await this.call('capture.stop', flags.all ? { all: true } : { id: args.id })) as CaptureInfo[];
    this.print(stopped, () => (stopped.length === 0 ? 'no captures were running' : stopped.map((c) => `stopped ${describeCapture(c).trim()}`)));
  }
}
