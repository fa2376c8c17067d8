// `vnet status`: the whole session at a glance.
import { VnetCommand } from '../src/cli/base.js';
import { captureTable, filterTable, hostTable, interfaceTable, mapTable, proxyTable, routerTable } from '../src/cli/format.js';
import { out } from '../src/cli/style.js';
import { formatDuration, type CaptureInfo, type FilterInfo, type HostView, type MapInfo, type ProxyInfo, type RouterView } from '../src/session/api.js';

interface StatusView {
  session: { name: string; clock: string; seed: number; startedAt: string; timeNs: number };
  routers: RouterView[];
  hosts: HostView[];
  filters: FilterInfo[];
  captures: CaptureInfo[];
  proxies: ProxyInfo[];
  maps: MapInfo[];
}

export default class Status extends VnetCommand {
  static override summary = 'Show the session: clock, routers, hosts, interface counters, filters, captures, proxies and maps.';
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --json | jq .session'];

  async run(): Promise<void> {
    await this.parse(Status);
    const s = (await this.call('status')) as StatusView;
    this.print(s, () => statusText(s));
  }
}

/** The session line, then one titled table per kind of thing the session holds (empty kinds left out). */
function statusText(s: StatusView): string[] {
  const section = (title: string, lines: string[]): string[] => ['', out.bold(title), ...lines];
  const interfaces = [...s.routers.flatMap((r) => r.interfaces), ...s.hosts.flatMap((h) => h.interfaces)];
  return [
    `session ${s.session.name}: ${s.session.clock} clock at ${formatDuration(s.session.timeNs)}, seed ${s.session.seed}`,
    ...(s.routers.length ? section('Routers', routerTable(s.routers)) : []),
    ...(s.hosts.length ? section('Hosts', hostTable(s.hosts)) : []),
    ...(interfaces.length ? section('Interfaces', interfaceTable(interfaces)) : []),
    ...(s.filters.length ? section('Filters', filterTable(s.filters)) : []),
    ...(s.captures.length ? section('Captures', captureTable(s.captures)) : []),
    ...(s.proxies.length ? section('Proxies', proxyTable(s.proxies)) : []),
    ...(s.maps.length ? section('Maps', mapTable(s.maps)) : []),
  ];
}
