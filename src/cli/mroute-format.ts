// How `vnet mroute` and `vnet mcast` print their results.
import type { McastView, MrouteView } from '../session/api.js';
import { formatDuration } from '../session/api.js';
import { table } from './format.js';

/** `lan uplink(ttl 3)`, as `ip mroute show` writes outgoing interfaces (a threshold above 1 in parentheses). */
export function oifsText(r: Pick<MrouteView, 'oifs'>): string {
  return r.oifs.map((o) => (o.minTtl > 1 ? `${o.iface}(ttl ${o.minTtl})` : o.iface)).join(' ');
}

export function mrouteTable(list: MrouteView[]): string[] {
  return table(['ROUTER', '(S, G)', 'IIF', 'OIFS', 'STATE', 'QUEUED', 'PACKETS', 'BYTES', 'WRONG-IIF', 'LAST-USED/EXPIRES'], list.map((r) => [
    r.router, `(${r.source}, ${r.group})`, r.iif, oifsText(r), r.state, r.queued === undefined ? '' : `${r.queued}${r.overflow ? ` (+${r.overflow} dropped)` : ''}`,
    r.state === 'resolved' ? r.packets : '', r.state === 'resolved' ? r.bytes : '', r.wrongIif,
    r.lastUsedNs !== undefined ? formatDuration(r.lastUsedNs) : r.expiresNs !== undefined ? `expires ${formatDuration(r.expiresNs)}` : '',
  ]));
}

export function mcastTable(v: McastView): string[] {
  const lines = table(['NODE', 'IFACE', 'GROUP', 'SOCKETS', 'JOINED-BY-CLI'], v.joined.map((j) => [j.node, j.iface, j.group, j.sockets, j.cli ? 'yes' : 'no']));
  if (v.learned.length > 0) {
    lines.push('', ...table(['ROUTER', 'IFACE', 'GROUP', 'REPORTER', 'EXPIRES'], v.learned.map((m) => [m.router, m.iface, m.group, m.reporter, formatDuration(m.expiresNs)])));
  }
  return lines;
}
