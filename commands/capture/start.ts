// `vnet capture start`: write what crosses interfaces to a pcap/pcapng file, or stream it to stdout.
import { resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import { type CaptureInfo, VnetError } from '../../src/session/api.js';

export default class CaptureStart extends VnetCommand {
  static override summary = 'Capture the packets crossing interfaces into a pcap or pcapng file that Wireshark opens.';
  static override description =
    'Frames are Ethernet II with the interface\'s MAC and VLAN tags, then IPv4 exactly as it is at that point (TTL, NAT-translated ' +
    'addresses) with valid checksums. pcapng holds several interfaces, each named NODE/IFACE, with inbound/outbound flags; pcap holds ' +
    'one. Timestamps come from the session clock: a virtual clock and a seed give byte-identical files. With -w - the capture streams ' +
    'to stdout (flushed per packet) until Ctrl-C or `vnet capture stop`. Files are flushed and closed by `capture stop` and `vnet down`. ' +
    'A file is made new under a temp name in its directory and renamed into place, so a link planted at the path is replaced, not written ' +
    'through; a symbolic link there is refused unless --follow-symlink. A file another capture (of this or another session) writes is refused. ' +
    'Records are written whole: after a full disk or a kill the file ends on a record boundary, and `capture ls` counts what the file holds.';
  static override examples = [
    '<%= config.bin %> capture start home/lan home/uplink -w home.pcapng',
    '<%= config.bin %> capture start alice -w alice.pcap --format pcap --snaplen 128',
    '<%= config.bin %> capture start home/uplink -w - | wireshark -k -i -',
    '<%= config.bin %> capture start home/uplink -w - | tshark -l -i - -Y udp',
    '<%= config.bin %> capture start home/uplink -w drops.pcapng --with-drops',
  ];
  static override strict = false;
  static override args = { iface: Args.string({ description: 'interface, NODE/IFACE or NODE; name several to capture them into one pcapng' }) };
  static override usage = 'capture start IFACE... -w FILE [--format pcap|pcapng] [--snaplen N] [--with-drops] [--follow-symlink]';
  static override flags = {
    write: Flags.string({ char: 'w', description: 'file to write (- streams to stdout)', required: true }),
    format: Flags.string({ description: 'file format (default: pcap for a .pcap file, else pcapng)', options: ['pcap', 'pcapng'] }),
    snaplen: Flags.integer({ description: 'bytes kept of each frame (default 262144)', min: 1, max: 262144 }),
    'with-drops': Flags.boolean({ description: 'pcapng: also write packets dropped on these interfaces, with a comment naming the reason' }),
    resolution: Flags.string({ description: 'pcap timestamps: ns (default) or us', options: ['ns', 'us'] }),
    'follow-symlink': Flags.boolean({ description: 'when -w names a symbolic link, write the file it points to (else refused)' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(CaptureStart);
    const ifaces = argv as string[];
    if (ifaces.length === 0) throw new VnetError('EINVAL', 'name at least one interface to capture, e.g. `vnet capture start home/uplink -w home.pcapng`');
    const params = { on: ifaces, format: flags.format, snaplen: flags.snaplen, withDrops: flags['with-drops'], resolution: flags.resolution, followSymlink: flags['follow-symlink'] };
    if (flags.write !== '-') {
      const info = (await this.call('capture.start', { ...params, file: resolve(flags.write) })) as CaptureInfo;
      this.print(info, () => `capture ${info.id} on ${info.ifaces.join(', ')} -> ${info.file} (${info.format}); \`vnet capture stop ${info.id}\` ends it`);
      return;
    }
    await this.stream(params);
  }

  /** -w -: the session sends the file header and then each record; each goes to stdout as it comes. */
  private async stream(params: Record<string, unknown>): Promise<void> {
    if (process.stdout.isTTY) {
      throw new VnetError('EINVAL', '-w - writes binary capture data to stdout, which is a terminal; pipe it: `vnet capture start IFACE -w - | wireshark -k -i -`');
    }
    // The reader went away (wireshark closed, `| head`): stop capturing.
    const readerGone = new AbortController();
    const stop = (): void => readerGone.abort();
    process.stdout.on('error', stop);
    let started = false;
    try {
      const { result: info } = await this.callUntilInterrupted('capture.start', { ...params, stream: true }, (item) => {
        if (!started) {
          started = true;
          process.stderr.write('vnet: capture streaming to stdout; Ctrl-C or `vnet capture stop` ends it\n');
        }
        if (!readerGone.signal.aborted) process.stdout.write(Buffer.from((item as { data: string }).data, 'base64'));
      }, null as CaptureInfo | null, readerGone.signal);
      if (info?.state === 'failed') throw new VnetError('EINVAL', `capture ${info.id} failed: ${info.error ?? 'unknown error'}`);
    } finally {
      process.stdout.off('error', stop);
    }
  }
}
