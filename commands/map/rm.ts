// `vnet map rm`: close a map's local port and its virtual socket.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { MapInfo } from '../../src/session/api.js';

export default class MapRm extends VnetCommand {
  static override summary = 'Remove a map: its local port and virtual socket close.';
  static override examples = ['<%= config.bin %> map rm 1'];
  static override args = { id: Args.integer({ description: 'map id (see `vnet map ls`)', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(MapRm);
    const m = (await this.call('map.rm', { id: args.id })) as MapInfo;
    this.print(m, () => `removed map ${m.id} (${m.listen} -> ${m.host} -> ${m.remote})`);
  }
}
