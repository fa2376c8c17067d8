// One line per network event, for `vnet events` and the REPL's live events (each adds its own time).
import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../engine/units.js';
import type { EventView } from '../session/views.js';

/** The event without its time; `c` colours it (a level-0 Chalk for none). */
export function eventText(e: EventView, c: ChalkInstance): string {
  switch (e.type) {
    case 'drop': return `${c.red('drop')} ${e.reason} at ${e.iface}: ${e.packet}`;
    case 'mapping-created': case 'mapping-expired': case 'mapping-deleted': case 'mapping-refused':
      return `${c.cyan(e.type)} ${e.router} ${e.proto} ${e.internal} -> ${e.external}${e.remote ? ` (${e.remote})` : ''}${e.state ? ` ${e.state}` : ''}${e.requested ? ` requested (${e.requested})` : ''}${e.reason ? `: ${e.reason}` : ''}`;
    case 'node-added': case 'node-removed': return `${e.type} ${e.kind} ${e.name}`;
    case 'filter-added': case 'filter-changed': case 'filter-removed': return `${e.type} ${e.id} on ${e.iface}`;
    case 'uplink-changed': return `${e.type} ${e.router} ${e.ips.join(', ')}`;
    case 'service-enabled': case 'service-disabled': case 'service-reset': return `${e.type} ${e.service} on ${e.router}`;
    case 'capture-failed': return `${c.red(e.type)} ${e.id}: ${e.error}`;
    case 'error': return `${c.red('error')} ${e.message}`;
    case 'mroute-missing': return `${c.yellow(e.type)} ${e.router} (${e.source}, ${e.group}) iif ${e.iif}`;
    case 'mroute-wrong-iif': return `${c.yellow(e.type)} ${e.router} (${e.source}, ${e.group}) iif ${e.iif}, route expects ${e.expectedIif}`;
    case 'mcast-member-added': case 'mcast-member-removed':
      return `${c.cyan(e.type)} ${e.router}/${e.iface} ${e.group} (reporter ${e.reporter})${e.reason ? `: ${e.reason}` : ''}`;
    default: return JSON.stringify(e);
  }
}

/** An event's moment on the session clock, as every text output writes it (`4m59.999s`). */
export function eventTime(e: EventView): string {
  return formatDuration(e.timeNs);
}
