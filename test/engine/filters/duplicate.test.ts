// Duplication: a copy right after the original, independent of in-place rewrites downstream.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuplicateStage } from '../../../src/engine/filters/duplicate.js';
import type { Packet } from '../../../src/wire/packet.js';
import { ids, rig, udp } from './helpers.js';

describe('DuplicateStage', () => {
  it('at 100 % sends each packet twice, the copy right after the original', () => {
    const r = rig();
    const head = r.chain(new DuplicateStage(r.ctx, 1));
    for (let i = 0; i < 3; i++) head.push(udp(i));
    assert.deepEqual(ids(r.got), [0, 0, 1, 1, 2, 2]);
    assert.notEqual(r.got[0].pkt, r.got[1].pkt, 'the copy is another object');
    assert.deepEqual(r.got[0].pkt, r.got[1].pkt);
    assert.equal(r.drops.length, 0);
  });

  it('the copy is made before the original goes on, so rewriting the original in place does not touch it', () => {
    const r = rig();
    const stage = new DuplicateStage(r.ctx, 1);
    const seen: number[] = [];
    stage.next = { push: (p: Packet) => { seen.push(p.ttl); p.ttl--; } };
    stage.push(udp(0));
    assert.deepEqual(seen, [64, 64]);
  });

  it('duplicates about p of the packets, reproducibly per seed', () => {
    const run = (seed: number): number[] => {
      const r = rig(seed);
      const head = r.chain(new DuplicateStage(r.ctx, 0.25));
      for (let i = 0; i < 20_000; i++) head.push(udp(i));
      return ids(r.got);
    };
    const a = run(1);
    assert.ok(Math.abs(a.length - 25_000) < 400, `got ${a.length} packets from 20,000`);
    assert.deepEqual(a, run(1));
    assert.notDeepEqual(a, run(2));
  });

  it('at 0 % passes packets through once', () => {
    const r = rig();
    const head = r.chain(new DuplicateStage(r.ctx, 0));
    for (let i = 0; i < 10; i++) head.push(udp(i));
    assert.deepEqual(ids(r.got), [...Array(10).keys()]);
  });
});
