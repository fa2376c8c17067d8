// `vnet map ls`: maps with their counters.
import { VnetCommand } from '../../src/cli/base.js';
import type { MapInfo } from '../../src/session/api.js';
import { mapTable } from '../../src/cli/format.js';

export default class MapLs extends VnetCommand {
  static override summary = 'List maps: local address, virtual host and port, remote, the real client, packets each way.';
  static override examples = ['<%= config.bin %> map ls', '<%= config.bin %> map ls --json | jq ".[] | {listen, packetsIn, packetsOut}"'];

  async run(): Promise<void> {
    await this.parse(MapLs);
    const list = (await this.call('map.ls')) as MapInfo[];
    this.print(list, () => (list.length === 0 ? 'no maps; `vnet map add --host HOST --listen 127.0.0.1:PORT --remote DEST:PORT` adds one' : mapTable(list)));
  }
}

export function describeMap(m: MapInfo): string {
  return `${String(m.id).padStart(3)} ${m.listen} -> ${m.host}:${m.virtualPort} -> ${m.remote}  client ${m.client ?? '(none yet)'}  in ${m.packetsIn}/${m.bytesIn}B  out ${m.packetsOut}/${m.bytesOut}B${m.drops ? `  drops ${m.drops}` : ''}`;
}
