// `vnet status`: the whole session at a glance.
import { VnetCommand } from '../src/cli/base.js';
import { formatInterfaces } from '../src/cli/format.js';
import { out } from '../src/cli/style.js';
import type { FilterInfo, HostView, RouterView } from '../src/session/api.js';

export default class Status extends VnetCommand {
  static override summary = 'Show the session: clock, routers, hosts, filters and interface counters.';
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --json | jq .session'];

  async run(): Promise<void> {
    await this.parse(Status);
    const s = (await this.call('status')) as { session: { name: string; clock: string; seed: number; time: string }; routers: RouterView[]; hosts: HostView[]; filters: FilterInfo[] };
    this.print(s, () => [
      `session ${s.session.name}: ${s.session.clock} clock at ${s.session.time}, seed ${s.session.seed}`,
      ...s.routers.flatMap((r) => [`${out.bold(`router ${r.name}`)} ${r.cidr} nat ${r.nat}`, ...formatInterfaces(r.interfaces)]),
      ...s.hosts.flatMap((h) => [`${out.bold(`host ${h.name}`)} ${h.ips.join(',')} on ${h.router}`, ...formatInterfaces(h.interfaces)]),
      ...s.filters.map((f) => `filter ${f.id} on ${f.iface}: ${f.description}`),
    ]);
  }
}
