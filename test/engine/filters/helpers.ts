// Test rig for filter stages: a virtual-clock scheduler, a seeded context that records drops, and a sink that records arrivals.
import { Scheduler } from '../../../src/engine/scheduler.js';
import { VirtualClock } from '../../../src/engine/clock.js';
import { Rng } from '../../../src/engine/rng.js';
import type { DropReason } from '../../../src/engine/stats.js';
import type { Stage, StageContext } from '../../../src/engine/filters/stage.js';
import { parseIpv4 } from '../../../src/wire/addr.js';
import { makeUdp, type Packet } from '../../../src/wire/packet.js';

export const MS = 1_000_000;
export const S = 1_000_000_000;

export interface Rig {
  scheduler: Scheduler;
  ctx: StageContext;
  drops: { reason: DropReason; pkt: Packet; time: number }[];
  got: { time: number; pkt: Packet }[];
  /** Links the stages in order, the last one into the sink; returns the first. */
  chain(...stages: Stage[]): Stage;
}

export function rig(seed = 1, mtu = 1500): Rig {
  const scheduler = new Scheduler(new VirtualClock());
  const drops: Rig['drops'] = [];
  const got: Rig['got'] = [];
  const ctx: StageContext = {
    scheduler, rng: new Rng(seed), mtu, linkHeaderBytes: 14,
    drop: (pkt, reason) => drops.push({ reason, pkt, time: scheduler.now() }),
  };
  const sink = { push: (pkt: Packet) => got.push({ time: scheduler.now(), pkt }) };
  return {
    scheduler, ctx, drops, got,
    chain(...stages) {
      for (let i = 0; i < stages.length; i++) stages[i].next = i + 1 < stages.length ? stages[i + 1] : sink;
      return stages[0];
    },
  };
}

/** A UDP packet of `len` IP bytes (at least 28), numbered `n` in its `id` field (tests only: not kept to 16 bits). */
export function udp(n: number, len = 100, src = '10.0.0.1', dst = '10.0.0.2', dstPort = 7000): Packet {
  const p = makeUdp(parseIpv4(src), 40000, parseIpv4(dst), dstPort, new Uint8Array(len - 28));
  p.id = n;
  return p;
}

/** The numbers (`id`s) of packets, in order. */
export const ids = (list: { pkt: Packet }[]): number[] => list.map((x) => x.pkt.id);
