// `vnet listen`: the receiving half of the in-network netcat; prints each datagram with its source.
import { Args, Flags } from '@oclif/core';
import { out } from '../src/cli/style.js';
import { EXIT, VnetCommand } from '../src/cli/base.js';
import { formatDuration, parseEndpoint } from '../src/session/api.js';
import { wallWaitFlag } from '../src/cli/value-flags.js';

interface Datagram {
  from: string;
  to: string;
  size: number;
  data: string;
}

export default class Listen extends VnetCommand {
  static override summary = 'Receive UDP datagrams on a virtual host and print each with the address it came from.';
  static override description = `Once the socket is bound it prints "vnet: listening on ADDRESS:PORT" on stderr (a script can wait for that line before it sends). Exits 0 after --count datagrams, ${EXIT.timeout} when --timeout (wall time) passes first, 0 on Ctrl-C, ${EXIT.noSession} when the session stops first, 1 when it read so slowly that datagrams were dropped (it says how many). The source shows what a NAT did.`;
  static override examples = [
    '<%= config.bin %> listen server:7 --echo',
    '<%= config.bin %> listen server:7 --count 1 --timeout 5s --json | jq -r .from',
    '<%= config.bin %> listen alice:5000 --group 239.1.1.1',
  ];
  static override args = { endpoint: Args.string({ description: 'HOST:PORT to bind', required: true }) };
  static override flags = {
    count: Flags.integer({ description: 'exit after this many datagrams', min: 1 }),
    timeout: wallWaitFlag({ description: 'give up after this long (wall time, up to 2501h), exit status 124' }),
    echo: Flags.boolean({ description: 'send each datagram back to where it came from' }),
    group: Flags.string({ description: 'join this multicast group while listening (repeatable); leaving sends an IGMP leave', multiple: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Listen);
    const { host, port } = parseEndpoint(args.endpoint, 'endpoint');
    const batch = new LineBatch();
    let r: { received: number; timedOut: boolean };
    try {
      ({ result: r } = await this.callUntilInterrupted('listen', {
        host, port, count: flags.count, echo: flags.echo, group: flags.group,
        timeoutMs: flags.timeout,
      }, (item) => {
        // The first item says the socket is bound: scripts may wait for this line on stderr before sending.
        const ready = (item as { listening?: string }).listening;
        if (ready !== undefined) return void process.stderr.write(`vnet: listening on ${ready}\n`);
        const d = item as Datagram;
        batch.add(this.jsonMode ? JSON.stringify(d) : `${out.cyan(d.from)} -> ${d.to} ${d.size} bytes: ${d.data}`);
      }, { received: 0, timedOut: false }));
    } finally {
      batch.flush();
    }
    if (r.timedOut) {
      process.stderr.write(`vnet: no ${flags.count ? `${flags.count - r.received} more ` : ''}datagrams within ${formatDuration((flags.timeout ?? 0) * 1e6)}\n`);
      this.exit(EXIT.timeout);
    }
  }
}

/**
 * Datagram lines written together, once per turn of the event loop (or per 64 KiB) instead of once
 * each: a burst is printed several times faster, so the reader keeps up with the session.
 */
class LineBatch {
  private lines: string[] = [];
  private bytes = 0;
  private armed = false;

  add(line: string): void {
    this.lines.push(line);
    this.bytes += line.length;
    if (this.bytes >= 65536) this.flush();
    else if (!this.armed) {
      this.armed = true;
      setImmediate(() => {
        this.armed = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.lines.length === 0) return;
    const text = `${this.lines.join('\n')}\n`;
    this.lines = [];
    this.bytes = 0;
    process.stdout.write(text);
  }
}
