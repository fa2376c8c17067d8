// Packet duplication like netem `duplicate P`: some packets are sent twice.
import { clonePacket, type Packet } from '../../wire/packet.js';
import { Stage, type StageContext } from './stage.js';

/** With `probability` (a fraction in [0, 1]) hands on a copy of the packet right after the original. */
export class DuplicateStage extends Stage {
  constructor(
    ctx: StageContext,
    readonly probability: number,
  ) {
    super(ctx);
  }

  push(pkt: Packet): void {
    if (!this.ctx.rng.chance(this.probability)) {
      this.next.push(pkt);
      return;
    }
    // Copy before handing the original on: later hops rewrite packets in place (TTL, NAT).
    const copy = clonePacket(pkt);
    this.next.push(pkt);
    this.next.push(copy);
  }
}
