// Delay and jitter: exact delays, jitter bounds, netem-style reordering, preserveOrder, the limit, one armed task.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DelayStage } from '../../../src/engine/filters/delay.js';
import { ids, MS, rig, udp } from './helpers.js';

/** Sends `n` packets 1 ms apart through a delay stage; returns each packet's delay (by number) and the arrival order. */
function run(seed: number, n: number, delay: number, jitter: number, preserveOrder: boolean): { delays: number[]; order: number[] } {
  const r = rig(seed);
  const head = r.chain(new DelayStage(r.ctx, delay, jitter, preserveOrder));
  for (let i = 0; i < n; i++) {
    head.push(udp(i));
    r.scheduler.advance(MS);
  }
  r.scheduler.runUntilIdle();
  assert.equal(r.got.length, n);
  const delays: number[] = [];
  for (const g of r.got) delays[g.pkt.id] = g.time - g.pkt.id * MS;
  return { delays, order: ids(r.got) };
}

const isSorted = (xs: number[]): boolean => xs.every((x, i) => i === 0 || xs[i - 1] <= x);

describe('DelayStage', () => {
  it('without jitter delays every packet by exactly the delay, in order', () => {
    const { delays, order } = run(1, 100, 30 * MS, 0, false);
    assert.ok(delays.every((d) => d === 30 * MS));
    assert.ok(isSorted(order));
  });

  it('packets due at the same time leave in arrival order', () => {
    const r = rig();
    const head = r.chain(new DelayStage(r.ctx, 5 * MS, 0, false));
    for (let i = 0; i < 50; i++) head.push(udp(i));
    r.scheduler.advance(5 * MS - 1);
    assert.equal(r.got.length, 0);
    r.scheduler.advance(1);
    assert.deepEqual(ids(r.got), [...Array(50).keys()]);
    assert.ok(r.got.every((g) => g.time === 5 * MS));
  });

  it('with jitter keeps each delay within [delay − jitter, delay + jitter] and reorders like netem', () => {
    const { delays, order } = run(2, 2000, 50 * MS, 10 * MS, false);
    assert.ok(delays.every((d) => d >= 40 * MS && d <= 60 * MS), `delays from ${Math.min(...delays)} to ${Math.max(...delays)}`);
    assert.ok(Math.min(...delays) < 41 * MS && Math.max(...delays) > 59 * MS, 'the whole range is used');
    assert.ok(!isSorted(order), 'reordered');
  });

  it('with preserveOrder never reorders, and no packet leaves earlier than its own draw', () => {
    const { delays, order } = run(2, 2000, 50 * MS, 10 * MS, true);
    assert.deepEqual(order, [...Array(2000).keys()]);
    assert.ok(delays.every((d) => d >= 40 * MS && d <= 60 * MS));
  });

  it('the same seed gives the same delays', () => {
    assert.deepEqual(run(4, 300, 20 * MS, 5 * MS, false), run(4, 300, 20 * MS, 5 * MS, false));
    assert.notDeepEqual(run(4, 300, 20 * MS, 5 * MS, false).delays, run(5, 300, 20 * MS, 5 * MS, false).delays);
  });

  it('jitter larger than the delay is clamped at zero delay', () => {
    const { delays } = run(3, 1000, 1 * MS, 5 * MS, false);
    assert.ok(delays.every((d) => d >= 0 && d <= 6 * MS));
    const zeros = delays.filter((d) => d === 0).length;
    assert.ok(zeros > 340 && zeros < 460, `${zeros} of 1000 at zero; about 4/10 of the draws fall below zero`);
  });

  it('holds at most `limit` packets; more are dropped as queue-full', () => {
    const r = rig();
    const stage = new DelayStage(r.ctx, 10 * MS, 0, false, 10);
    const head = r.chain(stage);
    for (let i = 0; i < 15; i++) head.push(udp(i, 200));
    assert.equal(stage.held(), 10);
    assert.equal(stage.heldBytes(), 2000);
    assert.deepEqual(r.drops.map((d) => d.reason), Array(5).fill('queue-full'));
    assert.deepEqual(ids(r.drops), [10, 11, 12, 13, 14]);
    r.scheduler.runUntilIdle();
    assert.deepEqual([stage.held(), stage.heldBytes(), r.got.length], [0, 0, 10]);
  });

  it('defaults to netem\'s limit of 1000 packets', () => {
    const r = rig();
    const head = r.chain(new DelayStage(r.ctx, MS, 0, false));
    for (let i = 0; i < 1001; i++) head.push(udp(i));
    assert.equal(r.drops.length, 1);
  });

  it('keeps a handful of scheduler tasks, not one per packet, with 100,000 packets in flight', () => {
    for (const preserveOrder of [false, true]) {
      const r = rig(6);
      const head = r.chain(new DelayStage(r.ctx, 100 * MS, 50 * MS, preserveOrder, 200_000));
      let most = 0;
      for (let i = 0; i < 100_000; i++) {
        head.push(udp(i));
        if (i % 100 === 99) {
          r.scheduler.advance(1000); // 1 µs per 100 packets: all 100,000 are in flight together
          most = Math.max(most, r.scheduler.pending);
        }
      }
      most = Math.max(most, r.scheduler.pending);
      r.scheduler.runUntilIdle();
      assert.equal(r.got.length, 100_000);
      assert.ok(most < 50, `${most} scheduler tasks pending (preserveOrder ${preserveOrder})`);
      assert.equal(preserveOrder, isSorted(ids(r.got)));
    }
  });
});
