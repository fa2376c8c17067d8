// IPv4 reassembly (RFC 791 §3.2, RFC 815) as Linux does it: fragments are held per (source, destination,
// protocol, id) until the datagram is whole; a queue not complete 30 s after its first fragment arrived
// is dropped (ipfrag_time), with ICMP time exceeded "fragment reassembly" to the sender when the first
// fragment was among them; overlapping fragments drop their whole queue; past the memory limit
// (ipfrag_high_thresh, 4 MiB) every fragment is dropped until queues complete or expire.
import { reassembledPacket } from '../wire/codec.js';
import { WireError } from '../wire/errors.js';
import { fragmentOffset, moreFragments, packetLength, type Packet } from '../wire/packet.js';
import type { Interface } from './iface.js';
import type { Scheduler, Task } from './scheduler.js';
import type { DropReason } from './stats.js';

/** Linux's net.ipv4.ipfrag_time: 30 s. */
export const REASSEMBLY_TIMEOUT_NS = 30e9;
/** Linux's net.ipv4.ipfrag_high_thresh: 4 MiB (counted here in IP bytes held). */
export const REASSEMBLY_LIMIT_BYTES = 4 * 1024 * 1024;

interface Piece {
  pkt: Packet;
  iface: Interface;
  start: number;
  end: number;
}

interface Queue {
  key: string;
  deadline: number;
  /** Sorted by start, none overlapping. */
  pieces: Piece[];
  /** The datagram's IP payload length once the last fragment came, else -1. */
  total: number;
  /** The highest end seen. */
  maxEnd: number;
  received: number;
  bytes: number;
  largest: number;
}

/** A datagram put back together, and the largest fragment it came in (Linux's frag_max_size). */
export interface Reassembled {
  packet: Packet;
  largestFragment: number;
}

export interface ReassemblyOptions {
  scheduler: Scheduler;
  /** Called for a timed-out queue that holds the first fragment (a host answers with ICMP time exceeded code 1). */
  onTimeout?: (first: Packet) => void;
}

export class Reassembly {
  timeoutNs = REASSEMBLY_TIMEOUT_NS;
  limitBytes = REASSEMBLY_LIMIT_BYTES;
  /** Bytes of the fragments held now. */
  held = 0;
  private readonly queues = new Map<string, Queue>();
  private task: Task | undefined;

  constructor(private readonly o: ReassemblyOptions) {}

  /** Datagrams being reassembled. */
  get pending(): number {
    return this.queues.size;
  }

  /** Takes a fragment that arrived on `iface`; the whole datagram when this one completed it, else null. */
  add(pkt: Packet, iface: Interface): Reassembled | null {
    if (this.held > this.limitBytes) {
      iface.drop(pkt, 'frag-overflow');
      return null;
    }
    const hl = 20 + (pkt.options === null ? 0 : pkt.options.length);
    const start = fragmentOffset(pkt);
    const mf = moreFragments(pkt);
    let end = start + pkt.payload.length;
    // Linux trims a non-last fragment to a multiple of 8 bytes.
    if (mf) end &= ~7;
    const key = `${pkt.src}/${pkt.dst}/${pkt.proto}/${pkt.id}`;
    let q = this.queues.get(key);
    if (q === undefined) {
      q = { key, deadline: this.o.scheduler.now() + this.timeoutNs, pieces: [], total: -1, maxEnd: 0, received: 0, bytes: 0, largest: 0 };
      this.queues.set(key, q);
      if (this.task === undefined) this.arm();
    }
    if (end <= start && mf) return this.fail(q, pkt, iface);
    if (hl + end > 0xffff) return this.fail(q, pkt, iface);
    if (!mf) {
      // The last fragment fixes the length: nothing may lie past it, and a second last one must agree.
      if (end < q.maxEnd || (q.total >= 0 && end !== q.total)) return this.fail(q, pkt, iface);
      q.total = end;
    } else if (q.total >= 0 && end > q.total) {
      return this.fail(q, pkt, iface);
    }
    const pieces = q.pieces;
    let at = pieces.length;
    while (at > 0 && pieces[at - 1].start > start) at--;
    const before = at > 0 ? pieces[at - 1] : undefined;
    const after = at < pieces.length ? pieces[at] : undefined;
    if (before !== undefined && before.start <= start && before.end >= end) {
      iface.drop(pkt, 'frag-duplicate');
      return null;
    }
    if ((before !== undefined && before.end > start) || (after !== undefined && after.start < end)) return this.fail(q, pkt, iface);
    const len = packetLength(pkt);
    pieces.splice(at, 0, { pkt, iface, start, end });
    q.received += end - start;
    q.bytes += len;
    this.held += len;
    if (len > q.largest) q.largest = len;
    if (end > q.maxEnd) q.maxEnd = end;
    if (q.total < 0 || q.received !== q.total) return null;
    return this.complete(q, iface);
  }

  /** Drops everything held (the node was removed). */
  clear(): void {
    this.o.scheduler.cancel(this.task);
    this.task = undefined;
    this.queues.clear();
    this.held = 0;
  }

  /** Runs the queues whose time is up, then arms for the next. */
  expire(): void {
    this.task = undefined;
    const now = this.o.scheduler.now();
    for (const q of this.queues.values()) {
      if (q.deadline > now) break;
      this.kill(q, 'frag-timeout');
      const first = q.pieces.length > 0 && q.pieces[0].start === 0 ? q.pieces[0].pkt : null;
      if (first !== null && this.o.onTimeout) this.o.onTimeout(first);
    }
    this.arm();
  }

  private complete(q: Queue, iface: Interface): Reassembled | null {
    this.forget(q);
    const l4 = new Uint8Array(q.total);
    for (const p of q.pieces) l4.set(p.pkt.payload.subarray(0, p.end - p.start), p.start);
    try {
      return { packet: reassembledPacket(q.pieces[0].pkt, l4), largestFragment: q.largest };
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      iface.drop(q.pieces[0].pkt, 'malformed');
      return null;
    }
  }

  private fail(q: Queue, pkt: Packet, iface: Interface): null {
    iface.drop(pkt, 'frag-invalid');
    this.kill(q, 'frag-invalid');
    return null;
  }

  private kill(q: Queue, reason: DropReason): void {
    this.forget(q);
    for (const p of q.pieces) p.iface.drop(p.pkt, reason);
  }

  private forget(q: Queue): void {
    this.queues.delete(q.key);
    this.held -= q.bytes;
  }

  /** One weak task for the oldest queue: queues all wait the same time, so insertion order is deadline order. */
  private arm(): void {
    const first = this.queues.values().next();
    if (first.done === true) return;
    this.task = this.o.scheduler.at(first.value.deadline, expireQueues, this, true);
  }
}

function expireQueues(r: Reassembly): void {
  r.expire();
}
