// What every node shares from its network: the scheduler, the seeded random
// source, the event stream and the name registry.
import type { Packet } from '../wire/packet.js';
import type { Interface } from './iface.js';
import type { Host } from './host.js';
import type { EventBus } from './events.js';
import type { Rng } from './rng.js';
import type { Scheduler } from './scheduler.js';
import type { DropReason } from './stats.js';

export interface NetContext {
  readonly scheduler: Scheduler;
  readonly rng: Rng;
  readonly events: EventBus;
  reportDrop(iface: Interface, pkt: Packet, reason: DropReason): void;
  /** A host by its node name (names resolve to hosts for everyone below the host's router). */
  hostNamed(name: string): Host | undefined;
}
