// A token bucket like tc's tbf: a bucket of `burst` bytes refilled at `rate`,
// a FIFO of at most `limit` bytes in front of it, tail drop. Each packet's
// departure is computed once, exactly, as an integer nanosecond. Like tbf on an
// Ethernet device, a packet costs its frame, not just its IP bytes: the stage
// adds `overheadBytes` (link header + tc's `overhead`) to each IP length.
import { packetLength, type Packet } from '../../wire/packet.js';
import { invalid } from '../errors.js';
import type { Task } from '../scheduler.js';
import { Stage, type StageContext } from './stage.js';

/** Queue limit when none is given: the larger of the burst and 100 MTU-sized packets (tc needs one; this is roomy). */
export function defaultQueueBytes(burstBytes: number, mtu: number): number {
  return Math.max(burstBytes, 100 * mtu);
}

/** Ethernet header (14 bytes, no FCS: the qdisc never sees it) plus 4 bytes per VLAN tag. */
export function linkHeaderBytes(vlanTags: number): number {
  return 14 + 4 * vlanTags;
}

interface Waiting {
  pkt: Packet;
  /** Bytes the packet holds in the queue: IP length + overhead. */
  len: number;
  /** Departure time, ns. */
  due: number;
}

/**
 * How it keeps exact time: the bucket state is an anchor time A at which the
 * bucket held `burst` tokens, plus the bytes `spent` since then (including
 * packets still queued, which are already paid for in FIFO order). Tokens at
 * time t are burst + (t − A)·rate/8e9 − spent, so a packet of L bytes leaves at
 * A + ceil((spent + L − burst) · 8e9 / rate) ns, or at once if that is past.
 * 8e9/rate is kept as a reduced fraction nsNum/nsDen; every nsDen bytes spent
 * move A forward by exactly nsNum ns, which keeps the numbers small and exact.
 * The bucket is capped lazily: when a packet finds the queue empty and the
 * bucket has refilled past `burst`, the anchor moves to now.
 */
export class TokenBucketStage extends Stage {
  readonly rateBps: number;
  readonly burstBytes: number;
  readonly limitBytes: number;
  /** Bytes counted per packet on top of its IP length (Ethernet header, VLAN tags, tc's overhead). */
  readonly overheadBytes: number;
  /** 8e9 / rate = nsNum / nsDen nanoseconds per byte, in lowest terms. */
  private readonly nsNum: number;
  private readonly nsDen: number;
  private anchor: number;
  private spent = 0;
  private queue: Waiting[] = [];
  private head = 0;
  private queuedBytes = 0;
  private task: Task | undefined;

  /**
   * @param rateBps     refill rate in bit/s (applied in whole bits per second)
   * @param burstBytes  bucket size; at least the MTU, or a full-size packet could never leave
   * @param limitBytes  queue limit in bytes; default defaultQueueBytes(burst, MTU)
   * @param overheadBytes  counted per packet beyond its IP length (buildStages: link header + --overhead); may be negative
   */
  constructor(ctx: StageContext, rateBps: number, burstBytes: number, limitBytes?: number, overheadBytes = 0) {
    super(ctx);
    if (!(rateBps > 0) || !Number.isFinite(rateBps)) throw invalid(`rate ${rateBps} bit/s is not positive; give e.g. --rate 4mbit`);
    if (!Number.isInteger(overheadBytes)) throw invalid(`overhead ${overheadBytes} is not a whole number of bytes`);
    const largest = ctx.mtu + overheadBytes;
    if (!Number.isInteger(burstBytes) || burstBytes < largest) throw invalid(burstTooSmall(burstBytes, ctx.mtu, overheadBytes));
    const limit = limitBytes ?? defaultQueueBytes(burstBytes, ctx.mtu);
    if (!Number.isInteger(limit) || limit < 0) throw invalid(`queue (${limit} bytes) is not a whole number of bytes; give e.g. --queue 64kb`);
    this.rateBps = rateBps;
    this.burstBytes = burstBytes;
    this.limitBytes = limit;
    this.overheadBytes = overheadBytes;
    const whole = Math.max(1, Math.round(rateBps));
    const g = gcd(8e9, whole);
    this.nsNum = 8e9 / g;
    this.nsDen = whole / g;
    this.anchor = ctx.scheduler.now();
  }

  push(pkt: Packet): void {
    const len = packetLength(pkt) + this.overheadBytes;
    if (len > this.burstBytes) {
      // tbf's max_size check: the bucket can never hold enough tokens for it.
      this.ctx.drop(pkt, 'mtu');
      return;
    }
    const now = this.ctx.scheduler.now();
    const idle = this.head === this.queue.length;
    if (idle && now - this.anchor >= this.nsFor(this.spent)) {
      this.anchor = now;
      this.spent = 0;
    }
    const due = this.anchor + this.nsFor(this.spent + len - this.burstBytes);
    if (idle && due <= now) {
      this.pay(len);
      this.next.push(pkt);
      return;
    }
    if (this.queuedBytes + len > this.limitBytes) {
      this.ctx.drop(pkt, 'queue-full');
      return;
    }
    this.pay(len);
    this.queue.push({ pkt, len, due: due > now ? due : now });
    this.queuedBytes += len;
    if (this.task === undefined) this.arm(due);
  }

  override held(): number {
    return this.queue.length - this.head;
  }

  override heldBytes(): number {
    return this.queuedBytes;
  }

  /** Hands on every queued packet whose departure time has come, then arms for the next. */
  release(): void {
    this.task = undefined;
    const now = this.ctx.scheduler.now();
    while (this.head < this.queue.length) {
      const w = this.queue[this.head];
      if (w.due > now) break;
      this.queue[this.head++] = undefined as unknown as Waiting;
      this.queuedBytes -= w.len;
      this.next.push(w.pkt);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      return;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.arm(this.queue[this.head].due);
  }

  /** Nanoseconds the bucket takes to gain `bytes` tokens (rounded up; negative for a surplus). */
  private nsFor(bytes: number): number {
    return Math.ceil((bytes * this.nsNum) / this.nsDen);
  }

  /** Takes `len` bytes from the bucket, folding whole nsDen-byte blocks into the anchor. */
  private pay(len: number): void {
    this.spent += len;
    if (this.spent >= this.nsDen) {
      const blocks = Math.floor(this.spent / this.nsDen);
      this.spent -= blocks * this.nsDen;
      this.anchor += blocks * this.nsNum;
    }
  }

  private arm(due: number): void {
    const scheduler = this.ctx.scheduler;
    scheduler.cancel(this.task);
    this.task = scheduler.at(due, releaseTokenBucket, this);
  }
}

/** The refusal of a bucket too small for the largest packet: it could never leave. */
export function burstTooSmall(burstBytes: number, mtu: number, overheadBytes: number): string {
  if (overheadBytes === 0) return `burst (${burstBytes} bytes) is smaller than the MTU (${mtu} bytes); raise --burst`;
  const sign = overheadBytes > 0 ? '+' : '-';
  return `burst (${burstBytes} bytes) is smaller than the largest frame (${mtu + overheadBytes} bytes: MTU ${mtu} ${sign} ${Math.abs(overheadBytes)} of link header and overhead); raise --burst`;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function releaseTokenBucket(stage: TokenBucketStage): void {
  stage.release();
}
