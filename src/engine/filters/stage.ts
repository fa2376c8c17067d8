// A filter is a chain of stages over one interface direction. Each stage takes
// a packet in push() and hands it on to `next`, later (delay, rate), more than
// once (duplicate) or not at all (a counted drop). Stages never throw on the
// packet path and never allocate closures per packet.
import type { Packet } from '../../wire/packet.js';
import type { Scheduler } from '../scheduler.js';
import type { Rng } from '../rng.js';
import type { DropReason } from '../stats.js';

export interface PacketSink {
  push(pkt: Packet): void;
}

export interface StageContext {
  readonly scheduler: Scheduler;
  /** This filter's own random stream (forked from the network's seed, or from the filter's --seed). */
  readonly rng: Rng;
  /** MTU of the interface the filter sits on, in IP bytes. */
  readonly mtu: number;
  /** Link-layer bytes the interface puts in front of each IP packet: 14 (Ethernet) + 4 per VLAN tag. */
  readonly linkHeaderBytes: number;
  /** Counts the drop on the interface, reports it to taps and the event stream. */
  drop(pkt: Packet, reason: DropReason): void;
}

export abstract class Stage implements PacketSink {
  /** Where packets go next; set when the chain is linked and re-set when neighbours are removed. */
  next: PacketSink = { push: () => {} };
  constructor(protected readonly ctx: StageContext) {}
  abstract push(pkt: Packet): void;
  /** Packets currently held by this stage (delay lines, queues). */
  held(): number {
    return 0;
  }
  /** Bytes currently held by this stage. */
  heldBytes(): number {
    return 0;
  }
}
