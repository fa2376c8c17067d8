// When traffic mappings expire: one list per idle timeout (RFC 4787 REQ-5 for UDP and the rest,
// RFC 5382 REQ-5's transitory and established timeouts for TCP, Linux's assured UDP flows), and one
// weak sweep task.
import type { Scheduler, Task } from '../scheduler.js';
import type { MappingEntry } from './mapping.js';

/**
 * Lanes: the NAT lifetime (everything but TCP), TCP transitory, TCP established (tcp-state.ts
 * classes), and assured UDP flows (the linux presets: assuredLifetime).
 */
export const LANE_LIFETIME = 0;
export const LANE_ASSURED = 3;
export const LANE_COUNT = 4;

/**
 * Mappings in order of last refresh. All in one list share one timeout, so this is also expiry
 * order: a refresh moves the mapping to the tail in O(1) and the head is always the next to expire.
 */
export class ExpiryList {
  head: MappingEntry | null = null;
  tail: MappingEntry | null = null;

  push(m: MappingEntry): void {
    m.prev = this.tail;
    m.next = null;
    if (this.tail) this.tail.next = m;
    else this.head = m;
    this.tail = m;
  }

  remove(m: MappingEntry): void {
    if (m.prev) m.prev.next = m.next;
    else if (this.head === m) this.head = m.next;
    else return; // not in the list
    if (m.next) m.next.prev = m.prev;
    else this.tail = m.prev;
    m.prev = null;
    m.next = null;
  }

  moveToTail(m: MappingEntry): void {
    if (this.tail === m) return;
    this.remove(m);
    this.push(m);
  }

  clear(): void {
    this.head = null;
    this.tail = null;
  }
}

/**
 * The traffic mappings' timers. At most one weak scheduler task is armed, no later than the earliest
 * head; `due` is called for each mapping whose time has come and must remove it (table.remove).
 */
export class ExpiryLanes {
  private readonly lists: ExpiryList[] = Array.from({ length: LANE_COUNT }, () => new ExpiryList());
  private readonly timeouts: number[] = [0, 0, 0, 0];
  /** Lane 0 (UDP and the rest) without the array lookups: the forwarding hot path refreshes these. */
  private readonly lifetimeList: ExpiryList = this.lists[LANE_LIFETIME];
  private lifetimeNs = 0;
  private task: Task | undefined = undefined;
  private taskAt = Infinity;

  constructor(private readonly scheduler: Scheduler, private readonly due: (m: MappingEntry, now: number) => void) {}

  /** New idle timeouts (ns) per lane; mappings already waiting keep their last refresh time, so each list stays in order. */
  setTimeouts(timeouts: readonly number[]): void {
    let changed = false;
    for (let lane = 0; lane < LANE_COUNT; lane++) {
      const delta = timeouts[lane] - this.timeouts[lane];
      if (delta === 0) continue;
      this.timeouts[lane] = timeouts[lane];
      if (lane === LANE_LIFETIME) this.lifetimeNs = timeouts[lane];
      for (let m = this.lists[lane].head; m !== null; m = m.next) m.expiresAt += delta;
      changed = true;
    }
    if (changed) this.rearm();
  }

  /** Starts a mapping's timer in `lane` from now. */
  add(m: MappingEntry, lane: number, now: number): void {
    m.lane = lane;
    m.expiresAt = now + this.timeouts[lane];
    this.lists[lane].push(m);
    this.arm();
  }

  /** Restarts a mapping's timer from now in its lane (REQ-6). */
  refresh(m: MappingEntry, now: number): void {
    const lane = m.lane;
    if (lane === LANE_LIFETIME) {
      m.expiresAt = now + this.lifetimeNs;
      this.lifetimeList.moveToTail(m);
      return;
    }
    m.expiresAt = now + this.timeouts[lane];
    this.lists[lane].moveToTail(m);
  }

  /** Restarts a mapping's timer from now in another lane (a TCP connection changed phase). */
  move(m: MappingEntry, lane: number, now: number): void {
    this.lists[m.lane].remove(m);
    this.add(m, lane, now);
  }

  remove(m: MappingEntry): void {
    this.lists[m.lane].remove(m);
  }

  /** True if some mapping is due at `now`. */
  anyDue(now: number): boolean {
    for (const l of this.lists) if (l.head !== null && l.head.expiresAt <= now) return true;
    return false;
  }

  expireDue(now: number): void {
    for (const l of this.lists) {
      for (let m = l.head; m !== null && m.expiresAt <= now; m = l.head) this.due(m, now);
    }
  }

  clear(): void {
    for (const l of this.lists) l.clear();
    this.scheduler.cancel(this.task);
    this.task = undefined;
    this.taskAt = Infinity;
  }

  private earliest(): number {
    let t = Infinity;
    for (const l of this.lists) if (l.head !== null && l.head.expiresAt < t) t = l.head.expiresAt;
    return t;
  }

  /** Arms the sweep for the earliest head unless a task is armed no later than it. */
  private arm(): void {
    const t = this.earliest();
    if (t === Infinity || this.taskAt <= t) return;
    this.scheduler.cancel(this.task);
    this.taskAt = t;
    this.task = this.scheduler.at(t, this.sweep, undefined, true);
  }

  private rearm(): void {
    this.scheduler.cancel(this.task);
    this.task = undefined;
    this.taskAt = Infinity;
    this.arm();
  }

  private readonly sweep = (): void => {
    this.task = undefined;
    this.taskAt = Infinity;
    this.expireDue(this.scheduler.now());
    this.arm();
  };
}
