// Token bucket: exact bytes over virtual time, a bucket that starts full and caps at burst, tail drop, validation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultQueueBytes, TokenBucketStage } from '../../../src/engine/filters/tbf.js';
import { MS, rig, S, udp } from './helpers.js';
import { LINUX_TBF_4MBIT_100B_PACKETS_PER_S, vnetTbf4mbitPacketsPerSecond } from './tbf-linux.js';

const MBIT = 1e6;
const KB = 1024;

describe('TokenBucketStage', () => {
  it('delivers exactly burst + rate·T/8 (to within a packet) after 1 s and 10 s at 1 mbit, burst 10kb', () => {
    // 1 mbit/s = 125 bytes/ms, one byte per 8000 ns. The bucket starts full (10240 bytes), so packets
    // 1-10 (1000 bytes each) leave at t=0; packet n > 10 leaves once 1000n − 10240 bytes have come in,
    // at (1000n − 10240) × 8000 ns. By 1 s: n ≤ (1e9/8000 + 10240)/1000 = 135.24 → 135 packets
    // (135000 bytes; burst + rate·T/8 = 135240). By 10 s: n ≤ 1260.24 → 1260 packets.
    const r = rig();
    const head = r.chain(new TokenBucketStage(r.ctx, 1 * MBIT, 10 * KB, 2 * KB * KB));
    for (let i = 0; i < 2000; i++) head.push(udp(i, 1000));
    assert.equal(r.got.length, 10, 'the full bucket sends 10 at once');
    r.scheduler.advance(1 * S);
    assert.equal(r.got.length, 135);
    assert.equal(r.got[10].time, 6_080_000);
    assert.equal(r.got[134].time, 998_080_000);
    r.scheduler.advance(9 * S);
    assert.equal(r.got.length, 1260);
    assert.equal(r.got[1259].time, 9_998_080_000);
    assert.equal(r.drops.length, 0);
  });

  it('under 2 mbit of offered load for 10 s: the same deliveries, and the default queue tail-drops the rest', () => {
    // One 1000-byte packet every 4 ms (2500 packets). Packets 1-19 find tokens on arrival
    // (4e6(n−1) ≥ 8e6n − 81.92e6 for n ≤ 19); from then on the queue never empties, so the n-th
    // accepted packet leaves at 8e6n − 81.92e6 ns as above: 1260 by 10 s. The default queue is
    // max(burst, 100 × 1500) = 150000 bytes = 150 packets; once full, each departure (every 8 ms)
    // frees one place for the next arrival (every 4 ms). At the last arrival (9.996 s) 1259 have
    // left and 150 wait: 1409 accepted, 1091 dropped.
    const r = rig();
    const stage = new TokenBucketStage(r.ctx, 1 * MBIT, 10 * KB);
    assert.equal(stage.limitBytes, 150_000);
    const head = r.chain(stage);
    for (let i = 0; i < 2500; i++) {
      head.push(udp(i, 1000));
      r.scheduler.advance(4 * MS);
    }
    assert.equal(r.scheduler.now(), 10 * S);
    assert.equal(r.got.length, 1260);
    assert.equal(stage.held(), 149);
    assert.equal(r.drops.length, 1091);
    assert.ok(r.drops.every((d) => d.reason === 'queue-full'));
    r.scheduler.runUntilIdle();
    assert.equal(r.got.length, 1409);
    assert.deepEqual(r.got.map((g) => g.pkt.id), [...r.got.map((g) => g.pkt.id)].sort((a, b) => a - b), 'FIFO');
  });

  it('tail-drops what does not fit in the queue, counting bytes', () => {
    // 10 leave at once; 50 × 1000 bytes fill the 50000-byte queue; the other 140 are dropped.
    const r = rig();
    const stage = new TokenBucketStage(r.ctx, 1 * MBIT, 10 * KB, 50_000);
    const head = r.chain(stage);
    for (let i = 0; i < 200; i++) head.push(udp(i, 1000));
    assert.deepEqual([r.got.length, stage.held(), stage.heldBytes(), r.drops.length], [10, 50, 50_000, 140]);
    assert.deepEqual(r.drops.map((d) => d.pkt.id), [...Array(140).keys()].map((i) => i + 60));
    r.scheduler.runUntilIdle();
    assert.deepEqual([r.got.length, stage.held(), stage.heldBytes()], [60, 0, 0]);
    assert.equal(r.got[59].time, (60_000 - 10_240) * 8000);
  });

  it('refills to the burst and no further while idle', () => {
    const r = rig();
    const head = r.chain(new TokenBucketStage(r.ctx, 1 * MBIT, 10 * KB));
    for (let i = 0; i < 20; i++) head.push(udp(i, 1000));
    r.scheduler.runUntilIdle();
    r.scheduler.advance(10 * S);
    const start = r.scheduler.now();
    for (let i = 20; i < 40; i++) head.push(udp(i, 1000));
    r.scheduler.runUntilIdle();
    const later = r.got.slice(20).map((g) => g.time - start);
    assert.deepEqual(later.slice(0, 10), Array(10).fill(0));
    assert.equal(later[10], 6_080_000);
  });

  it('stays exact at rates that do not divide a second evenly (3 mbit: 8000/3 ns per byte)', () => {
    // Packet n > 15 leaves at ceil((1000n − 15000) × 8000/3) ns, each rounded on its own, never drifting.
    const r = rig();
    const head = r.chain(new TokenBucketStage(r.ctx, 3 * MBIT, 15_000, 8 * KB * KB));
    for (let i = 0; i < 4000; i++) head.push(udp(i, 1000));
    r.scheduler.advance(10 * S);
    assert.deepEqual(r.got.slice(15, 18).map((g) => g.time), [2_666_667, 5_333_334, 8_000_000]);
    // (1000n − 15000) × 8000/3 ≤ 1e10 ⇔ n ≤ 3765.
    assert.equal(r.got.length, 3765);
    assert.equal(r.got[3764].time, 10 * S);
  });

  it('handles large buckets at high rates (10 gbit, 12.5 MB burst)', () => {
    // 8333 × 1500 bytes fit in the bucket; packet n then leaves at (1500n − 12.5e6) × 0.8 ns: the last at 14 ms.
    const r = rig();
    const head = r.chain(new TokenBucketStage(r.ctx, 10_000 * MBIT, 12_500_000, 32 * KB * KB));
    for (let i = 0; i < 20_000; i++) head.push(udp(i, 1500));
    assert.equal(r.got.length, 8333);
    r.scheduler.runUntilIdle();
    assert.equal(r.got.length, 20_000);
    assert.equal(r.got[8333].time, Math.ceil((8334 * 1500 - 12_500_000) * 0.8));
    assert.equal(r.got[19_999].time, 14 * MS);
  });

  it('counts Ethernet frames like tc tbf: 4mbit with 100-byte payloads delivers what Linux measured', () => {
    // Each 128-byte IP packet costs 142 bytes (14-byte Ethernet header); 4 mbit/s = 500000 bytes/s, so
    // 500000 / 142 = 3521.1 packets/s = 450,704 IP bytes/s. Counting IP bytes alone gave 3906.25 (11 % more).
    const perSecond = vnetTbf4mbitPacketsPerSecond();
    assert.ok(Math.abs(perSecond - 500_000 / 142) < 1, `got ${perSecond} packets/s, want 3521.1`);
    const off = Math.abs(perSecond / LINUX_TBF_4MBIT_100B_PACKETS_PER_S - 1);
    assert.ok(off < 0.01, `got ${perSecond} packets/s, Linux ${LINUX_TBF_4MBIT_100B_PACKETS_PER_S}: ${(off * 100).toFixed(2)} % apart`);
  });

  it('adds the overhead it is given to every packet, and checks the burst against the largest frame', () => {
    // 1 mbit, overhead 72: a 1000-byte packet costs 1072 bytes; after the 10 KiB bucket (9 packets,
    // 592 bytes left) the 10th leaves at (1072 − 592) × 8000 ns, then one every 1072 × 8000 ns.
    const r = rig();
    const head = r.chain(new TokenBucketStage(r.ctx, 1 * MBIT, 10 * KB, 1 * KB * KB, 72));
    for (let i = 0; i < 20; i++) head.push(udp(i, 1000));
    r.scheduler.runUntilIdle();
    assert.deepEqual(r.got.slice(8, 11).map((g) => g.time), [0, 480 * 8000, (480 + 1072) * 8000]);
    assert.throws(() => new TokenBucketStage(r.ctx, 1 * MBIT, 1513, undefined, 14), {
      code: 'EINVAL', message: 'burst (1513 bytes) is smaller than the largest frame (1514 bytes: MTU 1500 + 14 of link header and overhead); raise --burst',
    });
  });

  it('drops a packet larger than the bucket as mtu (it could never leave)', () => {
    const r = rig();
    const head = r.chain(new TokenBucketStage(r.ctx, 1 * MBIT, 1500));
    head.push(udp(0, 2000));
    head.push(udp(1, 1500));
    assert.deepEqual(r.drops.map((d) => d.reason), ['mtu']);
    assert.equal(r.got.length, 1);
  });

  it('refuses a burst smaller than the MTU and a rate that is not positive', () => {
    const r = rig(1, 1500);
    assert.throws(() => new TokenBucketStage(r.ctx, 1 * MBIT, 1000), {
      name: 'VnetError', code: 'EINVAL', message: 'burst (1000 bytes) is smaller than the MTU (1500 bytes); raise --burst',
    });
    assert.throws(() => new TokenBucketStage(r.ctx, 0, 10 * KB), { code: 'EINVAL', message: 'rate 0 bit/s is not positive; give e.g. --rate 4mbit' });
    assert.throws(() => new TokenBucketStage(r.ctx, -5, 10 * KB), /rate -5 bit\/s is not positive/);
  });

  it('defaults the queue to max(burst, 100 × MTU)', () => {
    assert.equal(defaultQueueBytes(10 * KB, 1500), 150_000);
    assert.equal(defaultQueueBytes(1024 * KB, 1500), 1024 * KB);
  });
});
