// Delay with jitter like netem: each packet waits delay ± jitter (uniform), so
// packets reorder unless order is preserved. The stage keeps its own
// time-ordered queue and arms one scheduler task for the earliest packet,
// however many are in flight.
import { packetLength, type Packet } from '../../wire/packet.js';
import type { Task } from '../scheduler.js';
import { Stage, type StageContext } from './stage.js';
import { DueHeap } from '../due-heap.js';

/** netem's default limit: at most 1000 packets held; more are dropped ('queue-full'). */
export const DEFAULT_DELAY_LIMIT = 1000;

interface Held {
  pkt: Packet;
  /** Departure time, ns. */
  due: number;
  /** Arrival order: breaks ties so packets due together leave in the order they came. */
  seq: number;
}

export class DelayStage extends Stage {
  /** Reordering mode: a binary heap on (due, seq). */
  private readonly heap = new DueHeap<Held>();
  /** preserveOrder mode: departures never decrease, so a FIFO (array + head index) is enough. */
  private fifo: Held[] = [];
  private fifoHead = 0;
  private seq = 0;
  private bytes = 0;
  /** Departure time of the last packet taken in (preserveOrder keeps later ones at or after it). */
  private lastDue = -Infinity;
  private task: Task | undefined;
  private taskDue = Infinity;

  /**
   * @param delayNs   fixed delay
   * @param jitterNs  each packet gets a uniform offset in [-jitter, +jitter]; the total is clamped at 0
   * @param preserveOrder  a packet never leaves before the one that arrived ahead of it
   * @param limit     packets held at most (netem's `limit`)
   */
  constructor(
    ctx: StageContext,
    readonly delayNs: number,
    readonly jitterNs: number,
    readonly preserveOrder: boolean,
    readonly limit = DEFAULT_DELAY_LIMIT,
  ) {
    super(ctx);
  }

  push(pkt: Packet): void {
    if (this.held() >= this.limit) {
      this.ctx.drop(pkt, 'queue-full');
      return;
    }
    const now = this.ctx.scheduler.now();
    let wait = this.delayNs;
    if (this.jitterNs > 0) wait += this.ctx.rng.int(-this.jitterNs, this.jitterNs);
    let due = wait > 0 ? now + wait : now;
    if (this.preserveOrder && due < this.lastDue) due = this.lastDue;
    this.lastDue = due;
    const h: Held = { pkt, due, seq: this.seq++ };
    if (this.preserveOrder) this.fifo.push(h);
    else this.heap.push(h);
    this.bytes += packetLength(pkt);
    if (due < this.taskDue) this.arm(due);
  }

  override held(): number {
    return this.heap.size + this.fifo.length - this.fifoHead;
  }

  override heldBytes(): number {
    return this.bytes;
  }

  /** Hands on every packet that is due, in (due, arrival) order, then arms for the next. */
  release(): void {
    this.task = undefined;
    this.taskDue = Infinity;
    const now = this.ctx.scheduler.now();
    for (;;) {
      const head = this.peek();
      if (head === undefined || head.due > now) break;
      if (this.preserveOrder) this.fifoShift();
      else this.heap.pop();
      this.bytes -= packetLength(head.pkt);
      this.next.push(head.pkt);
    }
    const head = this.peek();
    if (head !== undefined && head.due < this.taskDue) this.arm(head.due);
  }

  private peek(): Held | undefined {
    return this.preserveOrder ? this.fifo[this.fifoHead] : this.heap.peek();
  }

  private arm(due: number): void {
    const scheduler = this.ctx.scheduler;
    scheduler.cancel(this.task);
    this.task = scheduler.at(due, releaseDelayStage, this);
    this.taskDue = due;
  }

  private fifoShift(): void {
    this.fifo[this.fifoHead++] = undefined as unknown as Held;
    if (this.fifoHead === this.fifo.length) {
      this.fifo = [];
      this.fifoHead = 0;
    } else if (this.fifoHead > 1024 && this.fifoHead * 2 > this.fifo.length) {
      this.fifo = this.fifo.slice(this.fifoHead);
      this.fifoHead = 0;
    }
  }
}

function releaseDelayStage(stage: DelayStage): void {
  stage.release();
}
