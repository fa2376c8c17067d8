// `vnet send`: the sending half of the in-network netcat.
import { Args, Flags } from '@oclif/core';
import { EXIT, VnetCommand } from '../src/cli/base.js';
import { out } from '../src/cli/style.js';
import { formatDuration, parseDuration } from '../src/session/api.js';
import { MAX_SEND_COUNT } from '../src/session/limits.js';

export default class Send extends VnetCommand {
  static override summary = 'Send UDP datagrams from a virtual host.';
  static override description =
    `--count takes at most ${MAX_SEND_COUNT.toLocaleString('en-US')} datagrams (send more in several runs); they leave --interval apart, one at a time, ` +
    'as the session clock runs. With --wait each reply is printed with its round-trip time (from the latest datagram sent), and an ICMP ' +
    'error that comes back (port unreachable: nobody listens there, like nc\'s "connection refused"; time exceeded; unreachable) is printed ' +
    'and ends the wait. Exit status: 0; 1 when an ICMP error came back; 124 when --wait passed with too few replies.';
  static override examples = [
    '<%= config.bin %> send alice 198.51.100.7:7 --data hello',
    '<%= config.bin %> send alice server.example:53 --hex 0001 --from-port 5000',
    '<%= config.bin %> send alice 203.0.113.20:49152 --size 1200 --count 10 --interval 20ms',
    '<%= config.bin %> send alice 198.51.100.9:7 --data ping --wait 2s --replies 1 --json',
    '<%= config.bin %> send src 239.1.1.1:5000 --ttl 8 --count 5',
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
    count: Flags.integer({ description: `how many datagrams, 1-${MAX_SEND_COUNT}`, default: 1, min: 1, max: MAX_SEND_COUNT }),
    interval: Flags.string({ description: 'time between datagrams, on the session clock (e.g. 20ms)' }),
    wait: Flags.string({ description: 'then print replies to this socket for this long (wall time), like nc -u -w; exit 124 if too few came' }),
    replies: Flags.integer({ description: 'with --wait: stop once this many replies came (default: wait it out)', min: 1 }),
    ttl: Flags.integer({ description: 'IP TTL (default 64; 1 to a multicast group, as node:dgram)', min: 0, max: 255 }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Send);
    type Sent = { from: string; to: string; size: number; count: number; pending: number; replies?: number; icmpErrors?: number };
    type Reply = { from: string; to: string; size: number; data: string; rttNs: number; icmp?: string; mtu?: number };
    const { result: r, interrupted } = await this.callUntilInterrupted('send', {
      host: args.host, dest: args.dest, fromPort: flags['from-port'], data: flags.data, hex: flags.hex, size: flags.size,
      count: flags.count, interval: flags.interval, ttl: flags.ttl,
      waitMs: flags.wait === undefined ? undefined : parseDuration(flags.wait, 'wait') / 1e6, replies: flags.replies,
    }, (item) => {
      const d = item as Reply;
      const rtt = `rtt ${formatDuration(d.rttNs)}`;
      if (d.icmp !== undefined) {
        this.printItem(d, () => `${out.cyan(d.from)}: ICMP ${d.icmp}${d.mtu !== undefined ? ` (mtu ${d.mtu})` : ''} for ${d.to}, ${rtt}`);
      } else {
        this.printItem(d, () => `${out.cyan(d.from)} -> ${d.to} ${d.size} bytes, ${rtt}: ${d.data}`);
      }
    }, null as Sent | null);
    if (r === null) return;
    const sent = `sent ${r.count} x ${r.size} bytes ${r.from} -> ${r.to}${r.pending ? ` (${r.pending} more as the clock runs)` : ''}`;
    if (flags.wait === undefined) {
      this.print(r, () => sent);
      return;
    }
    // With --wait the replies were the output (JSON lines); the summary goes to stderr.
    const icmp = r.icmpErrors ? `, ${r.icmpErrors} ICMP error${r.icmpErrors === 1 ? '' : 's'}` : '';
    process.stderr.write(`vnet: ${sent}; ${r.replies} repl${r.replies === 1 ? 'y' : 'ies'}${icmp} within ${flags.wait}\n`);
    if (r.icmpErrors) this.exit(EXIT.failed);
    if ((r.replies ?? 0) < (flags.replies ?? 1) && !interrupted) this.exit(EXIT.timeout);
  }
}
