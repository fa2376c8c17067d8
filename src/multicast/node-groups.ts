// The groups one node (host or router) has joined through its sockets, and the
// host side of IGMPv2 (RFC 2236): an unsolicited report at the first join and
// one repeat within the unsolicited report interval (10 s), reports answering
// queries after a random delay up to the query's max response time, a leave
// to 224.0.0.2 when the last socket drops the group. Report suppression (a
// host staying quiet after hearing another member's report) is not modelled.
import { formatIpv4, type Ipv4 } from '../wire/addr.js';
import {
  ALL_ROUTERS, decodeIgmp, IGMP_LEAVE, IGMP_QUERY, IGMP_V2_REPORT, igmpPacket,
} from '../wire/igmp.js';
import type { Packet } from '../wire/packet.js';
import type { Interface } from '../engine/iface.js';
import type { Rng } from '../engine/rng.js';
import type { Scheduler, Task } from '../engine/scheduler.js';

/** RFC 2236 §8.10: the unsolicited report interval (10 s). */
export const UNSOLICITED_REPORT_INTERVAL_NS = 10_000_000_000;
const TENTH_NS = 100_000_000;

/** 224.0.0.0/24: link-local groups; never routed, and never reported (RFC 2236 §6: 224.0.0.1 is not). */
export function isLinkLocalGroup(g: Ipv4): boolean {
  return g >>> 8 === 0xe00000;
}

interface Joined {
  readonly group: Ipv4;
  readonly iface: Interface;
  readonly members: Set<object>;
  /** The next report due (the repeat, or the answer to a query). */
  report: Task | undefined;
}

export interface GroupView {
  group: string;
  iface: string;
  sockets: number;
}

export class NodeGroups {
  private readonly joined = new Map<Ipv4, Joined>();

  constructor(private readonly scheduler: Scheduler, private readonly rng: Rng) {}

  has(group: Ipv4): boolean {
    return this.joined.has(group);
  }

  isMember(member: object, group: Ipv4): boolean {
    return this.joined.get(group)?.members.has(member) ?? false;
  }

  get size(): number {
    return this.joined.size;
  }

  /** `member` (a socket, or the node itself for `vnet mcast join`) joins `group` on `iface`; false when it had already. */
  join(member: object, group: Ipv4, iface: Interface): boolean {
    let j = this.joined.get(group);
    if (j === undefined) {
      j = { group, iface, members: new Set(), report: undefined };
      this.joined.set(group, j);
      j.members.add(member);
      if (!isLinkLocalGroup(group)) {
        this.send(j, IGMP_V2_REPORT);
        this.reportWithin(j, UNSOLICITED_REPORT_INTERVAL_NS);
      }
      return true;
    }
    if (j.members.has(member)) return false;
    j.members.add(member);
    return true;
  }

  /** `member` leaves `group`; false when it was not a member. The last one out sends a leave. */
  drop(member: object, group: Ipv4): boolean {
    const j = this.joined.get(group);
    if (j === undefined || !j.members.delete(member)) return false;
    if (j.members.size === 0) {
      this.joined.delete(group);
      this.scheduler.cancel(j.report);
      if (!isLinkLocalGroup(group)) this.send(j, IGMP_LEAVE);
    }
    return true;
  }

  /** Every group `member` joined, left (a socket closing). */
  dropMember(member: object): void {
    for (const j of [...this.joined.values()]) if (j.members.has(member)) this.drop(member, j.group);
  }

  /** The node stops (removed): nothing more is sent. */
  clear(): void {
    for (const j of this.joined.values()) this.scheduler.cancel(j.report);
    this.joined.clear();
  }

  list(): GroupView[] {
    return [...this.joined.values()].map((j) => ({ group: formatIpv4(j.group), iface: j.iface.fullName, sockets: j.members.size }));
  }

  /** An IGMP message for this node: a query is answered with a report per group it asks about, each after a random delay. */
  igmpInput(pkt: Packet): void {
    let m;
    try {
      m = decodeIgmp(pkt.payload);
    } catch {
      return;
    }
    if (m.type !== IGMP_QUERY) return;
    const maxNs = Math.max(1, m.maxResp) * TENTH_NS;
    for (const j of this.joined.values()) {
      if (isLinkLocalGroup(j.group) || (m.group !== 0 && m.group !== j.group)) continue;
      // RFC 2236 §3: a pending report due later than the new delay is reset to it.
      if (j.report !== undefined && j.report.due - this.scheduler.now() <= maxNs) continue;
      this.scheduler.cancel(j.report);
      j.report = undefined;
      this.reportWithin(j, maxNs);
    }
  }

  private reportWithin(j: Joined, maxNs: number): void {
    const delay = this.rng.int(1, maxNs);
    j.report = this.scheduler.after(delay, sendReport, { groups: this, j }, true);
  }

  /** Sends a report (to the group) or a leave (to all routers) from the interface's address. */
  send(j: Joined, type: number): void {
    if (type === IGMP_V2_REPORT) j.report = undefined;
    if (!j.iface.up) return;
    const src = j.iface.addresses[0] ?? 0;
    const dst = type === IGMP_LEAVE ? ALL_ROUTERS : j.group;
    j.iface.transmit(igmpPacket(src, dst, { type, maxResp: 0, group: j.group }));
  }
}

function sendReport(a: { groups: NodeGroups; j: Joined }): void {
  a.groups.send(a.j, IGMP_V2_REPORT);
}
