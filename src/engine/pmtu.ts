// Path MTU per destination (RFC 1191), learnt from ICMP "fragmentation needed" as Linux does: only ever
// lowered, never below 552 bytes (net.ipv4.route.min_pmtu; a lower report pins 552 and stops setting DF),
// forgotten 10 minutes after it was learnt (net.ipv4.route.mtu_expires).

/** Linux's net.ipv4.route.mtu_expires: 600 s. */
export const PMTU_EXPIRES_NS = 600e9;
/** Linux's net.ipv4.route.min_pmtu. */
export const MIN_PMTU = 552;
/** Destinations remembered at most; the oldest is forgotten first. */
export const PMTU_MAX_ENTRIES = 4096;

interface Entry {
  mtu: number;
  expires: number;
  /** A report below MIN_PMTU: packets go without DF (Linux locks the route's MTU). */
  locked: boolean;
}

export class PmtuCache {
  private readonly entries = new Map<number, Entry>();

  /** The path MTU learnt for `dst` and still fresh, or `linkMtu` when none is (or it is not lower). */
  get(dst: number, linkMtu: number, now: number): number {
    const e = this.fresh(dst, now);
    return e !== undefined && e.mtu < linkMtu ? e.mtu : linkMtu;
  }

  /** True when the path to `dst` was reported below MIN_PMTU: datagrams leave without DF. */
  locked(dst: number, now: number): boolean {
    return this.fresh(dst, now)?.locked ?? false;
  }

  /** A "fragmentation needed" for `dst` reporting `mtu` (0 from routers older than RFC 1191). */
  learn(dst: number, mtu: number, linkMtu: number, now: number): void {
    const current = this.get(dst, linkMtu, now);
    if (mtu >= current) return;
    let locked = false;
    if (mtu < MIN_PMTU) {
      locked = true;
      mtu = Math.min(current, MIN_PMTU);
    }
    this.entries.delete(dst);
    if (this.entries.size >= PMTU_MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as number);
    this.entries.set(dst, { mtu, expires: now + PMTU_EXPIRES_NS, locked });
  }


  private fresh(dst: number, now: number): Entry | undefined {
    const e = this.entries.get(dst);
    if (e === undefined) return undefined;
    if (e.expires <= now) {
      this.entries.delete(dst);
      return undefined;
    }
    return e;
  }
}
