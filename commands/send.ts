// `vnet send`: the sending half of the in-network netcat.
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../src/cli/base.js';

export default class Send extends VnetCommand {
  static override summary = 'Send UDP datagrams from a virtual host.';
  static override examples = [
    '<%= config.bin %> send alice 198.51.100.7:7 --data hello',
    '<%= config.bin %> send alice server.example:53 --hex 0001 --from-port 5000',
    '<%= config.bin %> send alice 203.0.113.20:49152 --size 1200 --count 10 --interval 20ms',
  ];
  static override args = {
    host: Args.string({ description: 'the sending host', required: true }),
    dest: Args.string({ description: 'DEST:PORT; DEST is an address, a registered name or a host name', required: true }),
  };
  static override flags = {
    'from-port': Flags.integer({ description: 'source port (default: ephemeral)' }),
    data: Flags.string({ description: 'payload text (default "vnet")' }),
    hex: Flags.string({ description: 'payload as hex digits' }),
    size: Flags.integer({ description: 'payload of this many bytes' }),
    count: Flags.integer({ description: 'how many datagrams', default: 1 }),
    interval: Flags.string({ description: 'time between datagrams, on the session clock (e.g. 20ms)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Send);
    this.setup(flags);
    const r = (await this.call('send', {
      host: args.host, dest: args.dest, fromPort: flags['from-port'], data: flags.data, hex: flags.hex, size: flags.size,
      count: flags.count, interval: flags.interval,
    })) as { from: string; to: string; bytes: number; count: number; pending: number };
    this.print(r, () => `sent ${r.count} x ${r.bytes} bytes ${r.from} -> ${r.to}${r.pending ? ` (${r.pending} more as the clock runs)` : ''}`);
  }
}
