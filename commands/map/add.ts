// `vnet map add`: a real client on loopback becomes a virtual host.
import { Flags } from '@oclif/core';
import { printWarnings } from '../../src/cli/warnings.js';
import { VnetCommand } from '../../src/cli/base.js';
import type { MapInfo } from '../../src/session/api.js';
import { describeMap } from './ls.js';

export default class MapAdd extends VnetCommand {
  static override summary = 'Bind a local UDP port; what a real program sends there leaves virtual HOST toward DEST:PORT.';
  static override description =
    'Replies, and anything else the NAT lets in to HOST\'s port, go back to the real program\'s own address (the last one it sent from). ' +
    '--listen may use any 127.0.0.0/8 address, so a tool with a fixed port can be pointed at a chosen address; listening beyond loopback ' +
    'needs --allow-remote. Port 0 picks a free port (shown in the output).';
  static override examples = [
    '<%= config.bin %> map add --host alice --listen 127.0.0.1:4000 --remote 198.51.100.7:7',
    '<%= config.bin %> map add --host alice --listen 127.0.0.2:5351 --remote 192.168.1.1:5351',
    '<%= config.bin %> map add --host bob --listen 127.0.0.1:0 --remote server.example:53 --port 5000 --json | jq -r .listen',
  ];
  static override flags = {
    host: Flags.string({ description: 'the virtual host the real program becomes', required: true }),
    listen: Flags.string({ description: 'local address to bind, 127.0.0.1:PORT (port 0: any free port)', required: true }),
    remote: Flags.string({ description: 'where its datagrams go inside the virtual network, DEST:PORT (IP or name)', required: true }),
    port: Flags.integer({ description: 'the virtual source port on HOST (default: ephemeral)', min: 1, max: 65535 }),
    'allow-remote': Flags.boolean({ description: 'allow --listen on an address beyond loopback' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(MapAdd);
    const m = (await this.call('map.add', { host: flags.host, listen: flags.listen, remote: flags.remote, port: flags.port, allowRemote: flags['allow-remote'] })) as MapInfo;
    printWarnings(m);
    this.print(m, () => `map ${describeMap(m).trim()}`);
  }
}
