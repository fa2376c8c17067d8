// `vnet map set`: point a live map somewhere else, keeping its virtual socket (and so its NAT mapping).
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { MapInfo } from '../../src/session/api.js';
import { describeMap } from './ls.js';

export default class MapSet extends VnetCommand {
  static override summary = 'Change where a live map sends; its virtual socket, NAT mapping and real client stay (hole punching).';
  static override examples = ['<%= config.bin %> map set 1 --remote 203.0.113.20:6000'];
  static override args = { id: Args.integer({ description: 'map id (see `vnet map ls`)', required: true }) };
  static override flags = { remote: Flags.string({ description: 'new destination, DEST:PORT', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(MapSet);
    const m = (await this.call('map.set', { id: args.id, remote: flags.remote })) as MapInfo;
    this.print(m, () => `map ${describeMap(m).trim()}`);
  }
}
