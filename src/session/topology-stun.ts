// A topology file's `stun:` entries: created through the same registry `stun.add` uses, or, when a
// server of that name runs, compared with it (a difference is an error naming the entry).
import { VnetError } from '../engine/errors.js';
import type { Network } from '../engine/network.js';
import { stunServers, stunServersIfAny, type StunDoc } from '../services/stun-registry.js';
import { STUN_ALT_PORT, STUN_PORT } from '../services/stun-server.js';
import { canonicalIp } from './topology-export.js';
import type { ApplySummary, UndoLog } from './topology-entries.js';
import { placeOf, topologyError } from './topology-schema.js';

export function applyStun(net: Network, list: readonly StunDoc[], fileName: string, s: ApplySummary, undo: UndoLog): void {
  list.forEach((doc, i) => {
    const place = placeOf(doc, `stun[${i}]`);
    const live = stunServersIfAny(net)?.docs().find((d) => d.name === doc.name);
    if (live !== undefined) {
      const diff = stunConflict(live, doc);
      if (diff !== undefined) throw topologyError(fileName, place, `${diff}; remove it first with \`vnet stun rm ${doc.name}\` or make the file match`);
      s.unchanged.hosts.push(doc.name);
      return;
    }
    try {
      stunServers(net).add(doc);
    } catch (err) {
      if (!(err instanceof VnetError)) throw err;
      throw topologyError(fileName, place, err.message, err);
    }
    undo?.push(() => {
      if (net.has(doc.name)) net.remove(doc.name);
    });
    s.created.hosts.push(doc.name);
  });
}

function stunConflict(live: StunDoc, doc: StunDoc): string | undefined {
  const text = (d: StunDoc): string => `router ${d.router}, ip ${canonicalIp(d.ip)}:${d.port ?? STUN_PORT}` +
    (d.altIp !== undefined ? `, alt-ip ${canonicalIp(d.altIp)}:${d.altPort ?? STUN_ALT_PORT}` : '');
  return text(live) === text(doc) ? undefined : `STUN server ${live.name} exists with ${text(live)}, the file says ${text(doc)}`;
}
