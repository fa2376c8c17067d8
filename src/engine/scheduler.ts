// The one queue for all delayed work. Work due now runs in FIFO order; future
// work sits in a binary heap keyed by (due time, sequence). With a real clock
// one timer is armed for the head; with a virtual clock time moves only in
// advance()/runUntilIdle(). Work due now drains by itself on the next turn of
// the event loop in both modes, or at once through runDue().
import { Clock, RealClock, VirtualClock } from './clock.js';
import { invalid } from './errors.js';
import { DueHeap } from './due-heap.js';
import { MAX_DURATION_NS } from './units.js';

export type TaskFn<A = unknown> = (arg: A) => void;

/** Real clock: how long before a task's time the scheduler stops sleeping and polls. */
const SPIN_MS = 1;

/** The longest setTimeout Node keeps (2^31 - 1 ms, about 24.8 days); a later task is reached by re-arming. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Task {
  due: number;
  seq: number;
  fn: TaskFn<never>;
  arg: unknown;
  /** Weak tasks (housekeeping such as NAT expiry sweeps) do not keep a real-clock process alive. */
  weak: boolean;
  cancelled: boolean;
}

export class Scheduler {
  readonly clock: Clock;
  private readonly heap = new DueHeap<Task>();
  private nowQueue: Task[] = [];
  private nowHead = 0;
  private seq = 0;
  private strongPending = 0;
  private immediateArmed = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;
  private draining = false;
  /** Errors thrown by tasks; they never stop the engine. The network reports them as events. */
  onTaskError: (err: unknown) => void = (err) => {
    queueMicrotask(() => {
      throw err;
    });
  };

  constructor(clock: Clock) {
    this.clock = clock;
  }

  now(): number {
    return this.clock.now();
  }

  /** Runs fn(arg) as soon as possible, after work already due. */
  soon<A>(fn: TaskFn<A>, arg?: A, weak = false): Task {
    const task: Task = { due: this.clock.now(), seq: this.seq++, fn: fn as TaskFn<never>, arg, weak, cancelled: false };
    this.nowQueue.push(task);
    if (!weak) this.strongPending++;
    this.armImmediate();
    return task;
  }

  /** Runs fn(arg) when the clock reaches `due` (ns). */
  at<A>(due: number, fn: TaskFn<A>, arg?: A, weak = false): Task {
    if (!(due <= MAX_DURATION_NS)) throw invalid(`a task due at ${due}ns is past ${MAX_DURATION_NS}ns (about 104 days), the latest time the clock counts exactly; schedule it sooner`);
    const now = this.clock.now();
    if (due <= now) return this.soon(fn, arg, weak);
    const task: Task = { due, seq: this.seq++, fn: fn as TaskFn<never>, arg, weak, cancelled: false };
    this.heap.push(task);
    if (!weak) this.strongPending++;
    if (this.clock.kind === 'real') {
      if (due < this.timerDue) this.armTimer();
      else if (!weak && this.timer) this.timer.ref();
    }
    return task;
  }

  /** Runs fn(arg) after `delay` ns. */
  after<A>(delay: number, fn: TaskFn<A>, arg?: A, weak = false): Task {
    return this.at(this.clock.now() + delay, fn, arg, weak);
  }

  cancel(task: Task | undefined): void {
    if (!task || task.cancelled) return;
    task.cancelled = true;
    if (!task.weak) this.strongPending--;
  }

  /** Number of tasks waiting (cancelled ones may still be counted until they surface). */
  get pending(): number {
    return this.heap.size + this.nowQueue.length - this.nowHead;
  }

  /** Time of the earliest future task, or undefined. */
  nextDue(): number | undefined {
    this.dropCancelledHead();
    return this.heap.size > 0 ? this.heap.peek()!.due : undefined;
  }

  /** Runs everything due at or before now, including work that work adds for now. Returns tasks run. */
  runDue(): number {
    if (this.draining) return 0;
    this.draining = true;
    let ran = 0;
    try {
      const now = this.clock.now();
      for (;;) {
        if (this.nowHead < this.nowQueue.length) {
          const task = this.nowQueue[this.nowHead++];
          if (this.nowHead > 1024 && this.nowHead * 2 > this.nowQueue.length) {
            this.nowQueue = this.nowQueue.slice(this.nowHead);
            this.nowHead = 0;
          }
          if (this.run(task)) ran++;
          continue;
        }
        if (this.heap.size > 0 && this.heap.peek()!.due <= now) {
          const task = this.heap.pop()!;
          if (this.run(task)) ran++;
          continue;
        }
        break;
      }
      if (this.nowHead === this.nowQueue.length) {
        this.nowQueue.length = 0;
        this.nowHead = 0;
      }
    } finally {
      this.draining = false;
    }
    return ran;
  }

  /** Virtual clock only: moves time forward by `delta` ns, running every task in time order as its time comes. */
  advance(delta: number): number {
    const clock = this.virtualClock('advance');
    if (!(delta >= 0)) throw invalid(`cannot advance the clock by ${delta}ns; give a non-negative duration`);
    const target = clock.now() + delta;
    if (!(target <= MAX_DURATION_NS)) {
      throw invalid(`the virtual clock is at ${clock.now()}ns; advancing it by ${delta}ns would pass ${MAX_DURATION_NS}ns (about 104 days), the latest time it counts exactly`);
    }
    let ran = this.runDue();
    for (;;) {
      const due = this.nextDue();
      if (due === undefined || due > target) break;
      clock.set(due);
      ran += this.runDue();
    }
    clock.set(target);
    ran += this.runDue();
    return ran;
  }

  /**
   * Virtual clock only: runs until no work is left, jumping time to each task. Weak
   * (housekeeping) tasks such as NAT expiry sweeps do not count as work: when only they
   * remain, time stops. Stops after `limit` ns of virtual time (default 24 h) at the latest.
   */
  runUntilIdle(limit = 24 * 3600 * 1e9): number {
    const clock = this.virtualClock('runUntilIdle');
    const end = clock.now() + limit;
    let ran = this.runDue();
    while (this.strongPending > 0) {
      const due = this.nextDue();
      if (due === undefined || due > end) break;
      clock.set(due);
      ran += this.runDue();
    }
    return ran;
  }

  /** Stops the real-time driver (timers); queued work stays queued. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
  }

  private virtualClock(what: string): VirtualClock {
    if (!(this.clock instanceof VirtualClock)) throw invalid(`${what} needs a virtual clock; this network runs on the real clock`);
    return this.clock;
  }

  private run(task: Task): boolean {
    if (task.cancelled) return false;
    task.cancelled = true;
    if (!task.weak) this.strongPending--;
    try {
      (task.fn as TaskFn<unknown>)(task.arg);
    } catch (err) {
      this.onTaskError(err);
    }
    return true;
  }

  private armImmediate(): void {
    if (this.immediateArmed) return;
    this.immediateArmed = true;
    setImmediate(() => {
      this.immediateArmed = false;
      this.runDue();
      if (this.clock.kind === 'real') this.armTimer();
    });
  }

  /**
   * Real clock: Node's timers fire on whole milliseconds, late. To keep delays accurate
   * (median error well under 1 ms), the timer is armed 1 ms early and the last stretch is
   * waited out on setImmediate turns, for strong work only.
   */
  private armTimer(): void {
    if (this.clock.kind !== 'real') return;
    const due = this.nextDue();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
    if (due === undefined) return;
    const wait = (due - this.clock.now()) / 1e6;
    if (wait <= SPIN_MS && this.strongPending > 0) {
      this.armImmediate();
      return;
    }
    this.timerDue = due;
    const sleep = this.strongPending > 0 ? Math.max(0, wait - SPIN_MS) : Math.max(0, wait);
    // Past Node's longest timer the wake-up is early; onTimer finds nothing due and arms again.
    this.timer = setTimeout(this.onTimer, Math.min(sleep, MAX_TIMER_MS));
    if (this.strongPending === 0) this.timer.unref();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerDue = Infinity;
    this.runDue();
    this.armTimer();
  };

  private dropCancelledHead(): void {
    while (this.heap.size > 0 && this.heap.peek()!.cancelled) this.heap.pop()!;
  }
}

/** A clock and scheduler pair for the common cases. */
export function createScheduler(kind: 'real' | 'virtual' = 'virtual'): Scheduler {
  return new Scheduler(kind === 'real' ? new RealClock() : new VirtualClock());
}
