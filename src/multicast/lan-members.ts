// What a multicast router learns from IGMPv2 on each of its interfaces (RFC 2236 §7):
// a group has members there while reports keep coming within the group membership
// interval (robustness 2 × query interval 125 s + max response 10 s = 260 s); a leave
// starts the last-member queries (2 group-specific queries, 1 s apart) after which a
// group nobody reported for is gone. One weak timer per router for the earliest expiry.
import { formatIpv4, type Ipv4 } from '../wire/addr.js';
import type { Scheduler, Task } from '../engine/scheduler.js';

export const QUERY_INTERVAL_NS = 125_000_000_000;
export const QUERY_RESPONSE_INTERVAL_NS = 10_000_000_000;
export const ROBUSTNESS = 2;
export const MEMBERSHIP_INTERVAL_NS = ROBUSTNESS * QUERY_INTERVAL_NS + QUERY_RESPONSE_INTERVAL_NS;
/** Startup: 2 general queries 31.25 s apart (a quarter of the query interval). */
export const STARTUP_QUERY_INTERVAL_NS = QUERY_INTERVAL_NS / 4;
export const STARTUP_QUERY_COUNT = ROBUSTNESS;
/** After a leave: 2 group-specific queries 1 s apart, each asking for an answer within 1 s. */
export const LAST_MEMBER_QUERY_INTERVAL_NS = 1_000_000_000;
export const LAST_MEMBER_QUERY_COUNT = ROBUSTNESS;

export interface Membership {
  iface: string;
  group: Ipv4;
  /** The address of the last host that reported. */
  reporter: Ipv4;
  expiresNs: number;
  /** A leave came and the last-member queries are running. */
  leaving?: boolean;
}

export interface MembershipView {
  iface: string;
  group: string;
  reporter: string;
  expiresNs: number;
}

export type MembershipChange = (m: Membership, change: 'added' | 'removed', reason?: 'leave' | 'timeout') => void;

export class LanMembers {
  /** iface name → group → membership. */
  private readonly byIface = new Map<string, Map<Ipv4, Membership>>();
  private sweepTask: Task | undefined;
  private sweepAt = Infinity;

  constructor(private readonly scheduler: Scheduler, private readonly changed: MembershipChange) {}

  /** A report from `reporter` for `group` on `iface`: the group has members there for another 260 s. */
  report(iface: string, group: Ipv4, reporter: Ipv4): void {
    let groups = this.byIface.get(iface);
    if (groups === undefined) this.byIface.set(iface, (groups = new Map()));
    const expiresNs = this.scheduler.now() + MEMBERSHIP_INTERVAL_NS;
    const m = groups.get(group);
    if (m !== undefined) {
      m.reporter = reporter;
      m.expiresNs = expiresNs;
      m.leaving = false;
      return;
    }
    const added = { iface, group, reporter, expiresNs };
    groups.set(group, added);
    this.arm(expiresNs);
    this.changed(added, 'added');
  }

  /** A leave for `group` on `iface`: members left must answer the last-member queries within 2 s. Returns true when the group was known there. */
  leave(iface: string, group: Ipv4): boolean {
    const m = this.byIface.get(iface)?.get(group);
    if (m === undefined) return false;
    const until = this.scheduler.now() + LAST_MEMBER_QUERY_COUNT * LAST_MEMBER_QUERY_INTERVAL_NS;
    if (until < m.expiresNs) {
      m.expiresNs = until;
      m.leaving = true;
      this.arm(until);
    }
    return true;
  }

  has(iface: string, group: Ipv4): boolean {
    return this.byIface.get(iface)?.has(group) ?? false;
  }

  /** The interfaces with members of `group`. */
  ifacesWith(group: Ipv4): string[] {
    const out: string[] = [];
    for (const [iface, groups] of this.byIface) if (groups.has(group)) out.push(iface);
    return out;
  }

  list(): MembershipView[] {
    const out: MembershipView[] = [];
    for (const groups of this.byIface.values()) {
      for (const m of groups.values()) out.push({ iface: m.iface, group: formatIpv4(m.group), reporter: formatIpv4(m.reporter), expiresNs: m.expiresNs });
    }
    return out.sort((a, b) => a.iface.localeCompare(b.iface) || compareIp(a.group, b.group));
  }

  /** Forgets an interface (removed). */
  dropIface(iface: string): void {
    this.byIface.delete(iface);
  }

  clear(): void {
    this.scheduler.cancel(this.sweepTask);
    this.sweepTask = undefined;
    this.byIface.clear();
  }

  /** Removes what expired, re-arms for the next. */
  sweep(): void {
    this.sweepTask = undefined;
    this.sweepAt = Infinity;
    const now = this.scheduler.now();
    let next = Infinity;
    for (const groups of this.byIface.values()) {
      for (const [g, m] of groups) {
        if (m.expiresNs <= now) {
          groups.delete(g);
          this.changed(m, 'removed', m.leaving ? 'leave' : 'timeout');
        } else if (m.expiresNs < next) next = m.expiresNs;
      }
    }
    if (next !== Infinity) this.arm(next);
  }

  private arm(at: number): void {
    if (at >= this.sweepAt) return;
    this.scheduler.cancel(this.sweepTask);
    this.sweepAt = at;
    this.sweepTask = this.scheduler.at(at, sweepMembers, this, true);
  }
}

function sweepMembers(l: LanMembers): void {
  l.sweep();
}

function compareIp(a: string, b: string): number {
  const n = (s: string) => s.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return n(a) - n(b);
}
