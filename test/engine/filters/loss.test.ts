// Bernoulli and Gilbert-Elliott loss: rates, reproducibility per seed, burstiness.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GilbertElliottLossStage, LossStage } from '../../../src/engine/filters/loss.js';
import { ids, rig, udp } from './helpers.js';

/** Indices of the packets dropped out of `n`. */
function lostIndices(seed: number, n: number, make: (r: ReturnType<typeof rig>) => LossStage | GilbertElliottLossStage): number[] {
  const r = rig(seed);
  const head = r.chain(make(r));
  for (let i = 0; i < n; i++) head.push(udp(i));
  assert.equal(r.drops.length + r.got.length, n, 'every packet is either passed on or dropped');
  assert.ok(r.drops.every((d) => d.reason === 'loss'));
  return ids(r.drops);
}

/** Lengths of the runs of consecutive lost packets. */
function bursts(lost: number[]): number[] {
  const out: number[] = [];
  let run = 0;
  for (let i = 0; i < lost.length; i++) {
    run++;
    if (i + 1 === lost.length || lost[i + 1] !== lost[i] + 1) {
      out.push(run);
      run = 0;
    }
  }
  return out;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('LossStage', () => {
  it('drops 10 % of 100,000 packets to within ±1 %', () => {
    const lost = lostIndices(42, 100_000, (r) => new LossStage(r.ctx, 0.1));
    assert.ok(lost.length >= 9_000 && lost.length <= 11_000, `lost ${lost.length}`);
  });

  it('the same seed drops exactly the same packets; another seed drops others', () => {
    const a = lostIndices(7, 10_000, (r) => new LossStage(r.ctx, 0.1));
    const b = lostIndices(7, 10_000, (r) => new LossStage(r.ctx, 0.1));
    const c = lostIndices(8, 10_000, (r) => new LossStage(r.ctx, 0.1));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('0 drops nothing, 1 drops everything, and passed packets keep their order', () => {
    const none = rig();
    const head = none.chain(new LossStage(none.ctx, 0));
    for (let i = 0; i < 100; i++) head.push(udp(i));
    assert.deepEqual(ids(none.got), [...Array(100).keys()]);
    assert.equal(lostIndices(1, 100, (r) => new LossStage(r.ctx, 1)).length, 100);
  });
});

describe('GilbertElliottLossStage', () => {
  const params = { p: 0.01, r: 0.25, lossBad: 1, lossGood: 0 };

  it('loses in bursts of mean length 1/r, at the long-run rate p/(p+r)', () => {
    const lost = lostIndices(3, 200_000, (r) => new GilbertElliottLossStage(r.ctx, params));
    const runs = bursts(lost);
    assert.ok(Math.abs(mean(runs) - 4) < 0.25, `mean burst ${mean(runs)}, want about 1/r = 4`);
    const rate = lost.length / 200_000;
    assert.ok(Math.abs(rate - 0.01 / 0.26) < 0.005, `loss rate ${rate}, want about ${0.01 / 0.26}`);
    // Independent loss at the same rate has bursts barely longer than one packet.
    const bernoulli = bursts(lostIndices(3, 200_000, (r) => new LossStage(r.ctx, rate)));
    assert.ok(mean(bernoulli) < 1.1, `Bernoulli mean burst ${mean(bernoulli)}`);
  });

  it('reproduces per seed', () => {
    const a = lostIndices(5, 20_000, (r) => new GilbertElliottLossStage(r.ctx, params));
    const b = lostIndices(5, 20_000, (r) => new GilbertElliottLossStage(r.ctx, params));
    const c = lostIndices(6, 20_000, (r) => new GilbertElliottLossStage(r.ctx, params));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('starts in the good state; the state change applies from the next packet', () => {
    // p = 1: the first packet (good, lossGood 0) passes and moves the chain to bad;
    // r = 0: it stays bad, and every later packet is lost (lossBad 1).
    const lost = lostIndices(1, 10, (r) => new GilbertElliottLossStage(r.ctx, { p: 1, r: 0, lossBad: 1, lossGood: 0 }));
    assert.deepEqual(lost, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('lossGood and lossBad apply in their states (1-k and 1-h)', () => {
    // Never leaves the good state: loss is lossGood alone.
    const good = lostIndices(9, 50_000, (r) => new GilbertElliottLossStage(r.ctx, { p: 0, r: 1, lossBad: 1, lossGood: 0.2 }));
    assert.ok(Math.abs(good.length / 50_000 - 0.2) < 0.01, `good-state loss ${good.length / 50_000}`);
    // Always bad after the first packet: loss is lossBad alone.
    const bad = lostIndices(9, 50_000, (r) => new GilbertElliottLossStage(r.ctx, { p: 1, r: 0, lossBad: 0.5, lossGood: 0 }));
    assert.ok(Math.abs(bad.length / 50_000 - 0.5) < 0.01, `bad-state loss ${bad.length / 50_000}`);
  });
});
