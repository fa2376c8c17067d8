// Dropped packets in pcapng (--with-drops): the comment naming the reason, and which way the packet
// was going (the engine's drop callback does not say, so it is worked out from the reason).
import type { Interface } from '../engine/iface.js';
import type { DropReason } from '../engine/stats.js';
import type { Packet } from '../wire/packet.js';

const comments = new Map<string, Uint8Array>();

/** UTF-8 "dropped: REASON", made once per reason. */
export function dropComment(reason: DropReason): Uint8Array {
  let c = comments.get(reason);
  if (c === undefined) {
    c = new TextEncoder().encode(`dropped: ${reason}`);
    comments.set(reason, c);
  }
  return c;
}

/** Reasons only ever counted on the interface a packet arrived by. */
const INBOUND: ReadonlySet<DropReason> = new Set<DropReason>([
  'router-queue-full', 'ttl-exceeded', 'nat-no-mapping', 'nat-filtered', 'nat-icmp-unmatched', 'nat-port-exhausted', 'nat-table-full',
  'nat-unpaired', 'hairpin-disabled', 'rcvbuf-full', 'port-unreachable', 'protocol-unreachable', 'martian', 'malformed',
  'frag-timeout', 'frag-overflow', 'frag-invalid', 'frag-duplicate',
]);

/** Reasons a filter stage gives; a filter sits on one direction. */
const FILTER: ReadonlySet<DropReason> = new Set<DropReason>(['loss', 'match', 'queue-full']);

/**
 * Which way a dropped packet was crossing `iface`: filter drops by the direction of the interface's
 * filters (when they all sit on one side), 'mtu' is checked before leaving, the reasons above on
 * arrival; otherwise a packet from one of the node's own addresses was leaving, any other arriving.
 */
export function dropDirection(pkt: Packet, reason: DropReason, iface: Interface): 'in' | 'out' {
  if (INBOUND.has(reason)) return 'in';
  if (FILTER.has(reason)) {
    let egress = false;
    let ingress = false;
    for (const f of iface.filters) {
      if (f.direction === 'egress') egress = true;
      else ingress = true;
    }
    if (egress !== ingress) return egress ? 'out' : 'in';
  }
  if (reason === 'mtu') return 'out';
  return iface.addresses.includes(pkt.src) || ownsAddress(iface, pkt.src) ? 'out' : 'in';
}

function ownsAddress(iface: Interface, ip: number): boolean {
  const owner = iface.owner as unknown as { hasAddress?: (ip: number) => boolean };
  return typeof owner.hasAddress === 'function' && owner.hasAddress(ip);
}
