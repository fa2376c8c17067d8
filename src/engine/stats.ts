// Counters: per-interface packets and bytes each way, and drops by reason.

/** Why a packet was dropped. Every drop in the engine is counted under one of these. */
export type DropReason =
  | 'loss' // a loss filter (random or Gilbert-Elliott)
  | 'match' // a --drop-match filter
  | 'queue-full' // a token-bucket or delay queue over its limit (tail drop)
  | 'router-queue-full' // the router's own queue (--queue-size) was full
  | 'mtu' // larger than the egress interface's MTU
  | 'ttl-exceeded' // TTL reached zero at a router
  | 'no-route' // no route to the destination
  | 'no-neighbor' // destination in the subnet but no interface holds it
  | 'nat-no-mapping' // inbound to the NAT's external address with no mapping
  | 'nat-filtered' // inbound refused by the NAT's filtering behaviour
  | 'nat-icmp-unmatched' // inbound ICMP error quoting a mapping but a remote the mapping never let through
  | 'nat-port-exhausted' // no free external port for a new mapping
  | 'nat-table-full' // the NAT table reached its mapping limit
  | 'nat-unpaired' // 1:1 NAT: no external address paired with the internal one
  | 'hairpin-disabled' // a packet to the NAT's own external mapping with hairpinning off
  | 'rcvbuf-full' // a socket's receive queue was full
  | 'port-unreachable' // no socket bound to the destination port
  | 'protocol-unreachable' // a host got a protocol it has no handler for
  | 'frag-timeout' // a fragment of a datagram not complete within the reassembly timeout (30 s)
  | 'frag-overflow' // a fragment arriving while the node's reassembly memory was full
  | 'frag-invalid' // a fragment overlapping another, or past 65535 bytes, or disagreeing on the end
  | 'frag-duplicate' // a fragment whose bytes were all held already
  | 'martian' // a source or destination address that cannot appear on the wire
  | 'node-removed' // in flight when its node was removed
  | 'mroute-queue-full' // a multicast packet of an unresolved (S,G) whose pending queue was full
  | 'mroute-expired' // queued for an (S,G) route nobody installed within 10 s
  | 'mroute-wrong-iif' // a multicast packet on another interface than its route expects (RPF check)
  | 'mroute-ttl-threshold' // a multicast copy not sent on an interface: TTL under its threshold
  | 'malformed'; // bytes from outside that did not parse

export class InterfaceStats {
  rxPackets = 0;
  rxBytes = 0;
  txPackets = 0;
  txBytes = 0;
  private dropCounts: Map<DropReason, number> | null = null;

  /** Drops by reason (made on first use: most interfaces never drop). */
  get drops(): Map<DropReason, number> {
    return (this.dropCounts ??= new Map());
  }

  countDrop(reason: DropReason): void {
    const d = this.drops;
    d.set(reason, (d.get(reason) ?? 0) + 1);
  }

  get dropped(): number {
    let n = 0;
    if (this.dropCounts) for (const v of this.dropCounts.values()) n += v;
    return n;
  }

  toJSON(): { rxPackets: number; rxBytes: number; txPackets: number; txBytes: number; drops: Record<string, number> } {
    return {
      rxPackets: this.rxPackets, rxBytes: this.rxBytes, txPackets: this.txPackets, txBytes: this.txBytes,
      drops: Object.fromEntries([...this.drops.entries()].sort()),
    };
  }
}
