// normalizeFilterSpec (units, defaults, validation), buildStages (order, linking), describeFilter, filterSpecOf.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DelayStage } from '../../../src/engine/filters/delay.js';
import { DuplicateStage } from '../../../src/engine/filters/duplicate.js';
import { GilbertElliottLossStage, LossStage } from '../../../src/engine/filters/loss.js';
import { MatchDropStage } from '../../../src/engine/filters/match.js';
import { buildStages, describeFilter, filterSpecOf, normalizeFilterSpec, type FilterSpec } from '../../../src/engine/filters/spec.js';
import { TokenBucketStage } from '../../../src/engine/filters/tbf.js';
import { ids, MS, rig, udp } from './helpers.js';

describe('normalizeFilterSpec', () => {
  const cases: [string, FilterSpec, Record<string, unknown>][] = [
    ['loss as a number is percent', { loss: 2 }, { direction: 'egress', lossProbability: 0.02, delayNs: 0, jitterNs: 0, preserveOrder: false }],
    ['loss as a string', { loss: '2.5%' }, { lossProbability: 0.025 }],
    ['delay number is ms, strings take units', { delay: 30, jitter: '5ms' }, { delayNs: 30 * MS, jitterNs: 5 * MS }],
    ['jitter alone means delay 0', { jitter: '10ms' }, { delayNs: 0, jitterNs: 10 * MS }],
    ['ingress', { direction: 'ingress', duplicate: '1%' }, { direction: 'ingress', duplicate: 0.01 }],
    ['rate with its default burst: 10 ms of rate', { rate: '4mbit' }, { rateBps: 4e6, burstBytes: 5000, queueBytes: undefined }],
    ['the default burst is at least the largest Ethernet frame', { rate: '1mbit' }, { rateBps: 1e6, burstBytes: 1514, overheadBytes: undefined }],
    ['overhead like tc\'s: kept, and the default burst holds it', { rate: '1mbit', overhead: 24 }, { burstBytes: 1538, overheadBytes: 24 }],
    ['overhead -14 counts IP bytes only', { rate: '1mbit', overhead: '-14' }, { burstBytes: 1500, overheadBytes: -14 }],
    ['rate as bit/s with burst and queue', { rate: 500_000, burst: '32kb', queue: 100_000 }, { rateBps: 500_000, burstBytes: 32768, queueBytes: 100_000 }],
    ['gemodel string', { lossModel: 'gemodel:1%,30%' }, { lossModel: { p: 0.01, r: 0.3, lossBad: 1, lossGood: 0 } }],
    ['gemodel string with 1-h and 1-k', { lossModel: 'gemodel:1,30,80,0.5' }, { lossModel: { p: 0.01, r: 0.3, lossBad: 0.8, lossGood: 0.005 } }],
    ['gemodel without r: r = 1 − p like tc', { lossModel: 'gemodel 5%' }, { lossModel: { p: 0.05, r: 0.95, lossBad: 1, lossGood: 0 } }],
    ['gemodel object', { lossModel: { p: 1, r: '25%', lossBad: 50 } }, { lossModel: { p: 0.01, r: 0.25, lossBad: 0.5, lossGood: 0 } }],
    ['drop-match is kept as text', { dropMatch: 'udp and dst port 53' }, { dropMatch: 'udp and dst port 53' }],
    ['loss 0 is a valid (idle) filter', { loss: 0 }, { lossProbability: 0 }],
    ['seed and preserveOrder', { delay: 10, preserveOrder: true, seed: 42 }, { preserveOrder: true, seed: 42 }],
  ];
  for (const [name, spec, want] of cases) {
    it(name, () => {
      const got = normalizeFilterSpec(spec, 1500) as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k], v, `${k}: got ${JSON.stringify(got[k])}`);
      assert.deepEqual(JSON.parse(JSON.stringify(got)), got, 'JSON-friendly');
    });
  }

  const errors: [FilterSpec, string | RegExp][] = [
    [{}, 'a filter needs at least one of --loss, --delay, --rate, --duplicate, --drop-match'],
    [{ direction: 'egress', preserveOrder: true }, /needs at least one of/],
    [{ rate: '1mbit', burst: '1000b' }, 'burst (1000 bytes) is smaller than the largest frame (1514 bytes: MTU 1500 + 14 of link header and overhead); raise --burst'],
    [{ rate: '1mbit', burst: 1500, overhead: -4 }, 'burst (1500 bytes) is smaller than the largest frame (1510 bytes: MTU 1500 + 10 of link header and overhead); raise --burst'],
    [{ delay: 10, overhead: 4 }, '--overhead shapes a rate limit; give --rate too (e.g. --rate 4mbit)'],
    [{ rate: '1mbit', overhead: -15 }, 'overhead "-15" is not a whole number of bytes from -14 (IP bytes only) to 1024; e.g. --overhead 24'],
    [{ rate: '1mbit', overhead: '2.5' }, /overhead "2\.5" is not a whole number of bytes/],
    [{ burst: '32kb' }, '--burst shapes a rate limit; give --rate too (e.g. --rate 4mbit)'],
    [{ delay: 10, queue: '64kb' }, '--queue shapes a rate limit; give --rate too (e.g. --rate 4mbit)'],
    [{ rate: 0 }, /rate 0 must be a positive number/],
    [{ rate: 'fast' }, /rate "fast" is not a rate; write e\.g\. 500kbit/],
    [{ loss: '120%' }, 'loss "120%" is not a percentage from 0 to 100'],
    [{ loss: 1, lossModel: 'gemodel:1,30' }, 'give either --loss or --loss-model, not both'],
    [{ lossModel: 'markov:1,2' }, /loss model "markov:1,2" is not gemodel:p,r\[,1-h\[,1-k\]\] in percents/],
    [{ lossModel: 'gemodel:1,2,3,4,5' }, /is not gemodel/],
    [{ lossModel: 'gemodel:1,x' }, /loss model r "x" is not a percentage/],
    [{ delay: 'soon' }, /delay "soon" is not a duration/],
    [{ jitter: -1 }, /jitter -1 is not a non-negative number of milliseconds/],
    [{ dropMatch: 'udp port x' }, 'drop-match: expected a port number after "port" at position 9 in "udp port x"'],
    [{ direction: 'sideways' as 'egress', loss: 1 }, 'direction "sideways" is not egress or ingress'],
    [{ loss: 1, seed: -1 }, 'seed -1 is not a whole number from 0 to 4294967295'],
    [{ lose: 1 } as FilterSpec, /unknown filter option "lose"; known options: direction, loss, lossModel/],
  ];
  for (const [spec, message] of errors) {
    it(`refuses ${JSON.stringify(spec)}`, () => {
      assert.throws(() => normalizeFilterSpec(spec, 1500), typeof message === 'string' ? { name: 'VnetError', code: 'EINVAL', message } : message);
    });
  }
});

describe('buildStages', () => {
  it('builds match → loss → duplicate → delay → rate, linked in that order', () => {
    const r = rig();
    const f = normalizeFilterSpec({ rate: '1mbit', delay: 5, duplicate: 1, loss: 1, dropMatch: 'tcp' }, 1500);
    const stages = buildStages(f, r.ctx);
    assert.deepEqual(stages.map((s) => s.constructor), [MatchDropStage, LossStage, DuplicateStage, DelayStage, TokenBucketStage]);
    for (let i = 0; i + 1 < stages.length; i++) assert.equal(stages[i].next, stages[i + 1]);
    const gem = buildStages(normalizeFilterSpec({ lossModel: 'gemodel:1,30' }, 1500), r.ctx);
    assert.deepEqual(gem.map((s) => s.constructor), [GilbertElliottLossStage]);
  });

  it('builds nothing for a zero delay, and the stages work end to end', () => {
    const r = rig();
    assert.deepEqual(buildStages(normalizeFilterSpec({ delay: 0 }, 1500), r.ctx), []);
    const stages = buildStages(normalizeFilterSpec({ delay: '20ms', duplicate: 100 }, 1500), r.ctx);
    const head = r.chain(...stages);
    head.push(udp(1));
    r.scheduler.runUntilIdle();
    assert.deepEqual(r.got.map((g) => [g.pkt.id, g.time]), [[1, 20 * MS], [1, 20 * MS]]);
  });

  it('gives each random stage its own stream: adding jitter does not change which packets are lost', () => {
    const lost = (spec: FilterSpec): number[] => {
      const r = rig(11);
      const head = r.chain(...buildStages(normalizeFilterSpec(spec, 1500), r.ctx));
      for (let i = 0; i < 1000; i++) head.push(udp(i));
      r.scheduler.runUntilIdle();
      return ids(r.drops);
    };
    assert.deepEqual(lost({ loss: 10 }), lost({ loss: 10, delay: 10, jitter: 5, duplicate: 5 }));
  });

  it('uses the MTU default queue when none was given', () => {
    const r = rig(1, 1500);
    const [tbf] = buildStages(normalizeFilterSpec({ rate: '4mbit' }, 1500), r.ctx) as TokenBucketStage[];
    assert.deepEqual([tbf.rateBps, tbf.burstBytes, tbf.limitBytes, tbf.overheadBytes], [4e6, 5000, 150_000, 14]);
  });

  it('counts the link header of the interface (4 bytes per VLAN tag) plus the overhead', () => {
    const r = rig(1, 1500);
    const ctx = { ...r.ctx, linkHeaderBytes: 22 };
    const [tbf] = buildStages(normalizeFilterSpec({ rate: '1mbit', overhead: 8 }, 1500, 22), ctx) as TokenBucketStage[];
    assert.deepEqual([tbf.burstBytes, tbf.overheadBytes], [1530, 30]);
    assert.throws(() => normalizeFilterSpec({ rate: '1mbit', burst: 1514 }, 1500, 18), /smaller than the largest frame \(1518 bytes/);
    assert.equal(normalizeFilterSpec({ rate: '1mbit', overhead: -22 }, 1500, 22).overheadBytes, -22);
  });
});

describe('describeFilter', () => {
  const cases: [FilterSpec, string][] = [
    [{ loss: 2, delay: 30, jitter: 5, rate: '4mbit', burst: '32kb' }, 'egress loss 2% delay 30ms±5ms rate 4mbit burst 32kb'],
    [{ direction: 'ingress', dropMatch: 'udp port 53' }, 'ingress drop-match "udp port 53"'],
    [{ lossModel: 'gemodel:1,30' }, 'egress loss gemodel p 1% r 30% 1-h 100% 1-k 0%'],
    [{ duplicate: '0.5%', jitter: '2ms', preserveOrder: true, seed: 7 }, 'egress duplicate 0.5% delay 0ms±2ms preserve-order seed 7'],
    [{ rate: '1.5mbit', queue: 100_000 }, 'egress rate 1.5mbit burst 1875b queue 100000b'],
    [{ rate: 64_000 }, 'egress rate 64kbit burst 1514b'],
    [{ rate: '4mbit', burst: '32kb', overhead: 24 }, 'egress rate 4mbit burst 32kb overhead 24'],
    [{ delay: 100 }, 'egress delay 100ms'],
  ];
  for (const [spec, want] of cases) {
    it(want, () => assert.equal(describeFilter(normalizeFilterSpec(spec, 1500)), want));
  }
});

describe('filterSpecOf', () => {
  const specs: FilterSpec[] = [
    { loss: 2.9, delay: 30, jitter: '1.5ms', preserveOrder: true, rate: '4mbit', burst: '32kb', queue: '1mb', seed: 3 },
    { rate: '1mbit', overhead: '-14' },
    { direction: 'ingress', lossModel: 'gemodel:0.1,33.3,70,0.01', duplicate: 0.001, dropMatch: 'not icmp' },
    { delay: 0 },
  ];
  for (const spec of specs) {
    it(`round-trips ${JSON.stringify(spec)}`, () => {
      const f = normalizeFilterSpec(spec, 1500);
      assert.deepEqual(normalizeFilterSpec(filterSpecOf(f), 1500), f);
    });
  }
});
