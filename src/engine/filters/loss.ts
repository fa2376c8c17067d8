// Random packet loss like netem: independent (Bernoulli) loss, and netem's Gilbert-Elliott model for bursty loss.
import type { Packet } from '../../wire/packet.js';
import { Stage, type StageContext } from './stage.js';

/** Drops each packet independently with `probability` (a fraction in [0, 1]), reason 'loss'. */
export class LossStage extends Stage {
  constructor(
    ctx: StageContext,
    readonly probability: number,
  ) {
    super(ctx);
  }

  push(pkt: Packet): void {
    if (this.ctx.rng.chance(this.probability)) this.ctx.drop(pkt, 'loss');
    else this.next.push(pkt);
  }
}

/** Parameters of the Gilbert-Elliott model, all fractions in [0, 1] (netem `loss gemodel p r 1-h 1-k`). */
export interface GilbertElliottParams {
  /** P(good → bad), drawn once per packet while in the good state. */
  p: number;
  /** P(bad → good), drawn once per packet while in the bad state. */
  r: number;
  /** Loss probability in the bad state (netem's 1-h); 1 by default. */
  lossBad: number;
  /** Loss probability in the good state (netem's 1-k); 0 by default. */
  lossGood: number;
}

/** The name spec.ts and the normalized filter use for the same parameters. */
export type GilbertElliott = GilbertElliottParams;

/**
 * Two-state Markov loss, following netem's loss_gilb_ell(): for each packet the
 * stage first draws the state transition, then draws the loss with the
 * probability of the state the packet *arrived in* (lossGood or lossBad). The
 * transition therefore takes effect from the next packet. The model starts in
 * the good state. With lossBad = 1 and lossGood = 0 every stay in the bad state
 * is one burst of losses, of geometric length with mean 1/r packets; the
 * long-run loss rate is p / (p + r).
 */
export class GilbertElliottLossStage extends Stage {
  /** True while the chain is in the bad state. */
  private bad = false;

  constructor(
    ctx: StageContext,
    readonly params: GilbertElliottParams,
  ) {
    super(ctx);
  }

  /** The state the next packet will see. */
  get state(): 'good' | 'bad' {
    return this.bad ? 'bad' : 'good';
  }

  push(pkt: Packet): void {
    const rng = this.ctx.rng;
    const { p, r, lossBad, lossGood } = this.params;
    let lost: boolean;
    if (this.bad) {
      if (rng.chance(r)) this.bad = false;
      lost = rng.chance(lossBad);
    } else {
      if (rng.chance(p)) this.bad = true;
      lost = rng.chance(lossGood);
    }
    if (lost) this.ctx.drop(pkt, 'loss');
    else this.next.push(pkt);
  }
}
