// A filter as users give it (CLI flags, YAML, library options), checked and
// normalized into plain JSON-friendly numbers, and the stages built from it in
// netem's order: match → loss → duplicate → delay/jitter → rate.
import { invalid } from '../errors.js';
import { formatDuration, formatRate, formatSize, parseDuration, parsePercent, parseRate, parseSize } from '../units.js';
import { DelayStage } from './delay.js';
import { DuplicateStage } from './duplicate.js';
import { GilbertElliottLossStage, LossStage, type GilbertElliottParams } from './loss.js';
import { MatchDropStage, parseMatch } from './match.js';
import type { Stage, StageContext } from './stage.js';
import { burstTooSmall, linkHeaderBytes, TokenBucketStage } from './tbf.js';

export { linkHeaderBytes };
import { quoteInput } from '../../wire/user-input.js';

export interface FilterSpec {
  /** Default 'egress'. */
  direction?: 'egress' | 'ingress';
  /** Percent: 2 or '2%'. */
  loss?: number | string;
  /** Gilbert-Elliott in percents, or netem's form 'gemodel:p,r[,1-h[,1-k]]' (r defaults to 100 − p, 1-h to 100, 1-k to 0). */
  lossModel?: { p: number | string; r: number | string; lossBad?: number | string; lossGood?: number | string } | string;
  /** Percent of packets sent twice. */
  duplicate?: number | string;
  /** Milliseconds, or '30ms'. */
  delay?: number | string;
  /** Milliseconds, or '5ms': each packet gets delay ± jitter (uniform). */
  jitter?: number | string;
  /** Keep packet order despite jitter (netem reorders by default). */
  preserveOrder?: boolean;
  /** Bits per second, or '4mbit'. */
  rate?: number | string;
  /** Bucket size: bytes or '32kb'. Default max(largest frame, rate × 10 ms). */
  burst?: number | string;
  /**
   * Bytes each packet costs beyond its Ethernet frame, as tc's `overhead` (default 0). The bucket
   * always counts the frame: IP length + 14 + 4 per VLAN tag; -14 (on an untagged interface) counts IP bytes only.
   */
  overhead?: number | string;
  /** Bytes that may wait for tokens: bytes or '256kb'. Default max(burst, 100 × MTU). */
  queue?: number | string;
  /** pcap-filter subset: drop what matches. */
  dropMatch?: string;
  /** The filter's own random stream; default: derived from the network's seed and the filter id. */
  seed?: number;
}

/**
 * What `changeFilter` takes: options given replace the filter's, `null` removes one, and what is
 * left out stays as it is (like `setNat`). Removing `rate` removes `burst` and `queue` with it.
 */
export type FilterChange = { [K in keyof FilterSpec]?: FilterSpec[K] | null };

/** The checked form kept by the engine, listed by `filter ls` and exported with the topology. */
export interface NormalizedFilter {
  direction: 'egress' | 'ingress';
  /** Fraction in [0, 1]. */
  lossProbability?: number;
  /** Fractions in [0, 1]. */
  lossModel?: GilbertElliottParams;
  /** Fraction in [0, 1]. */
  duplicate?: number;
  delayNs: number;
  jitterNs: number;
  preserveOrder: boolean;
  rateBps?: number;
  /** Always set with rateBps (the default is filled in). */
  burstBytes?: number;
  /** Set only when given; the bucket then uses max(burst, 100 × MTU) of the interface. */
  queueBytes?: number;
  /** tc's overhead: bytes counted per packet beyond the frame (IP + link header); set only when given. */
  overheadBytes?: number;
  dropMatch?: string;
  seed?: number;
}

/** The options that make a filter do something; a spec needs at least one. */
const IMPAIRMENT_KEYS = ['loss', 'lossModel', 'duplicate', 'delay', 'jitter', 'rate', 'dropMatch'] as const;
const SPEC_KEYS = new Set([
  'direction', 'loss', 'lossModel', 'duplicate', 'delay', 'jitter', 'preserveOrder', 'rate', 'burst', 'queue', 'overhead', 'dropMatch', 'seed',
]);
/** The largest --overhead accepted (tc takes up to 65535; real framings add well under 100). */
const MAX_OVERHEAD = 1024;

/**
 * Checks a spec and turns it into numbers: fractions, ns, bit/s, bytes. Throws VnetError EINVAL.
 * `linkHeader`: bytes of link header on the interface (14 Ethernet + 4 per VLAN tag), which the rate counts.
 */
export function normalizeFilterSpec(spec: FilterSpec, mtu: number, linkHeader = linkHeaderBytes(0)): NormalizedFilter {
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.has(key)) throw invalid(`unknown filter option "${key}"; known options: ${[...SPEC_KEYS].join(', ')}`);
  }
  const direction = spec.direction ?? 'egress';
  if (direction !== 'egress' && direction !== 'ingress') throw invalid(`direction "${String(direction)}" is not egress or ingress`);
  if (spec.preserveOrder !== undefined && typeof spec.preserveOrder !== 'boolean') {
    throw invalid(`preserveOrder ${JSON.stringify(spec.preserveOrder)} is not true or false`);
  }
  if (spec.rate === undefined) {
    const shaping = (['burst', 'queue', 'overhead'] as const).find((k) => spec[k] !== undefined);
    if (shaping !== undefined) throw invalid(`--${shaping} shapes a rate limit; give --rate too (e.g. --rate 4mbit)`);
  }
  if (!IMPAIRMENT_KEYS.some((k) => spec[k] !== undefined)) {
    throw invalid('a filter needs at least one of --loss, --delay, --rate, --duplicate, --drop-match');
  }

  const f: NormalizedFilter = { direction, delayNs: 0, jitterNs: 0, preserveOrder: spec.preserveOrder ?? false };
  if (spec.loss !== undefined && spec.lossModel !== undefined) throw invalid('give either --loss or --loss-model, not both');
  if (spec.dropMatch !== undefined) {
    if (typeof spec.dropMatch !== 'string') throw invalid('drop-match takes a pcap-filter expression such as "udp and dst port 53"');
    parseMatch(spec.dropMatch);
    f.dropMatch = spec.dropMatch;
  }
  if (spec.loss !== undefined) f.lossProbability = parsePercent(spec.loss, 'loss');
  if (spec.lossModel !== undefined) f.lossModel = parseLossModel(spec.lossModel);
  if (spec.duplicate !== undefined) f.duplicate = parsePercent(spec.duplicate, 'duplicate');
  if (spec.delay !== undefined) f.delayNs = parseDuration(spec.delay, 'delay');
  if (spec.jitter !== undefined) f.jitterNs = parseDuration(spec.jitter, 'jitter');
  if (spec.rate !== undefined) {
    const rate = parseRate(spec.rate, 'rate');
    f.rateBps = rate;
    const overhead = spec.overhead !== undefined ? parseOverhead(spec.overhead, linkHeader) : 0;
    const frame = linkHeader + overhead;
    const burst = spec.burst !== undefined ? parseSize(spec.burst, 'burst') : defaultBurstBytes(rate, mtu, frame);
    if (burst < mtu + frame) throw invalid(burstTooSmall(burst, mtu, frame));
    f.burstBytes = burst;
    if (spec.overhead !== undefined) f.overheadBytes = overhead;
    if (spec.queue !== undefined) f.queueBytes = parseSize(spec.queue, 'queue');
  }
  if (spec.seed !== undefined) {
    if (!Number.isInteger(spec.seed) || spec.seed < 0 || spec.seed > 0xffffffff) {
      throw invalid(`seed ${spec.seed} is not a whole number from 0 to 4294967295`);
    }
    f.seed = spec.seed;
  }
  return f;
}

/** Bucket size when --burst is not given: 10 ms worth of rate, at least the largest frame (MTU + link header + overhead). */
export function defaultBurstBytes(rateBps: number, mtu: number, frameBytes = linkHeaderBytes(0)): number {
  return Math.max(mtu + frameBytes, Math.ceil(rateBps / 800));
}

/** tc's overhead: a whole number of bytes, from minus the link header (count IP bytes only) to MAX_OVERHEAD. */
function parseOverhead(v: number | string, linkHeader: number): number {
  const n = typeof v === 'number' ? v : /^\s*[+-]?\d+\s*(b)?\s*$/i.test(v) ? parseInt(v, 10) : NaN;
  if (!Number.isInteger(n) || n < -linkHeader || n > MAX_OVERHEAD) {
    throw invalid(`overhead ${quoteInput(String(v))} is not a whole number of bytes from -${linkHeader} (IP bytes only) to ${MAX_OVERHEAD}; e.g. --overhead 24`);
  }
  return n;
}

/** The stages of one filter, linked in order; each random stage draws from its own fork of ctx.rng. */
export function buildStages(f: NormalizedFilter, ctx: StageContext): Stage[] {
  const stages: Stage[] = [];
  const forked = (label: string): StageContext => ({
    scheduler: ctx.scheduler, mtu: ctx.mtu, linkHeaderBytes: ctx.linkHeaderBytes, rng: ctx.rng.fork(label), drop: ctx.drop.bind(ctx),
  });
  if (f.dropMatch !== undefined) stages.push(new MatchDropStage(ctx, parseMatch(f.dropMatch)));
  if (f.lossProbability !== undefined) stages.push(new LossStage(forked('loss'), f.lossProbability));
  if (f.lossModel !== undefined) stages.push(new GilbertElliottLossStage(forked('loss'), f.lossModel));
  if (f.duplicate !== undefined) stages.push(new DuplicateStage(forked('duplicate'), f.duplicate));
  if (f.delayNs > 0 || f.jitterNs > 0) stages.push(new DelayStage(forked('delay'), f.delayNs, f.jitterNs, f.preserveOrder));
  if (f.rateBps !== undefined) {
    const frame = ctx.linkHeaderBytes + (f.overheadBytes ?? 0);
    stages.push(new TokenBucketStage(ctx, f.rateBps, f.burstBytes ?? defaultBurstBytes(f.rateBps, ctx.mtu, frame), f.queueBytes, frame));
  }
  for (let i = 0; i + 1 < stages.length; i++) stages[i].next = stages[i + 1];
  return stages;
}

/** One line such as "egress loss 2% delay 30ms±5ms rate 4mbit burst 32kb". */
export function describeFilter(f: NormalizedFilter): string {
  const parts: string[] = [f.direction];
  if (f.dropMatch !== undefined) parts.push(`drop-match "${f.dropMatch}"`);
  if (f.lossProbability !== undefined) parts.push(`loss ${formatPercent(f.lossProbability)}`);
  if (f.lossModel !== undefined) {
    const m = f.lossModel;
    parts.push(`loss gemodel p ${formatPercent(m.p)} r ${formatPercent(m.r)} 1-h ${formatPercent(m.lossBad)} 1-k ${formatPercent(m.lossGood)}`);
  }
  if (f.duplicate !== undefined) parts.push(`duplicate ${formatPercent(f.duplicate)}`);
  if (f.delayNs > 0 || f.jitterNs > 0) {
    const jitter = f.jitterNs > 0 ? `±${formatDuration(f.jitterNs)}` : '';
    parts.push(`delay ${f.delayNs === 0 ? '0ms' : formatDuration(f.delayNs)}${jitter}${f.preserveOrder ? ' preserve-order' : ''}`);
  }
  if (f.rateBps !== undefined) {
    parts.push(`rate ${formatRate(f.rateBps)}`);
    if (f.burstBytes !== undefined) parts.push(`burst ${formatSize(f.burstBytes)}`);
    if (f.queueBytes !== undefined) parts.push(`queue ${formatSize(f.queueBytes)}`);
    if (f.overheadBytes !== undefined) parts.push(`overhead ${f.overheadBytes}`);
  }
  if (f.seed !== undefined) parts.push(`seed ${f.seed}`);
  return parts.join(' ');
}

/** A FilterSpec that normalizes back to `f` (percentages to 12 decimals), for saving a topology and loading it again. */
export function filterSpecOf(f: NormalizedFilter): FilterSpec {
  const spec: FilterSpec = { direction: f.direction };
  if (f.lossProbability !== undefined) spec.loss = percentText(f.lossProbability);
  if (f.lossModel !== undefined) {
    const m = f.lossModel;
    spec.lossModel = { p: percentText(m.p), r: percentText(m.r), lossBad: percentText(m.lossBad), lossGood: percentText(m.lossGood) };
  }
  if (f.duplicate !== undefined) spec.duplicate = percentText(f.duplicate);
  if (f.delayNs > 0) spec.delay = `${f.delayNs}ns`;
  if (f.jitterNs > 0) spec.jitter = `${f.jitterNs}ns`;
  if (f.preserveOrder) spec.preserveOrder = true;
  if (f.rateBps !== undefined) spec.rate = f.rateBps;
  if (f.burstBytes !== undefined) spec.burst = f.burstBytes;
  if (f.queueBytes !== undefined) spec.queue = f.queueBytes;
  if (f.overheadBytes !== undefined) spec.overhead = f.overheadBytes;
  if (f.dropMatch !== undefined) spec.dropMatch = f.dropMatch;
  if (f.seed !== undefined) spec.seed = f.seed;
  if (!IMPAIRMENT_KEYS.some((k) => spec[k] !== undefined)) spec.delay = 0; // it was given as `delay: 0`
  return spec;
}

/**
 * The spec of filter `f` after `change` (see FilterChange), to be normalized again. A new rate
 * without a burst gets the default burst of the new rate when the old burst was the default too;
 * --loss and --loss-model replace each other.
 */
export function mergeFilterChange(f: NormalizedFilter, change: FilterChange, mtu: number, linkHeader = linkHeaderBytes(0)): FilterSpec {
  if (typeof change !== 'object' || change === null) throw invalid(`filter change ${JSON.stringify(change)} is not an object of filter options`);
  for (const key of Object.keys(change)) {
    if (!SPEC_KEYS.has(key)) throw invalid(`unknown filter option "${key}"; known options: ${[...SPEC_KEYS].join(', ')}`);
  }
  const spec: Record<string, unknown> = { ...filterSpecOf(f) };
  if (change.rate != null && change.burst === undefined && f.rateBps !== undefined && f.burstBytes === defaultBurstBytes(f.rateBps, mtu, linkHeader + (f.overheadBytes ?? 0))) delete spec.burst;
  if (change.loss !== undefined) delete spec.lossModel;
  if (change.lossModel !== undefined) delete spec.loss;
  if (change.rate === null) {
    delete spec.burst;
    delete spec.queue;
    delete spec.overhead;
  }
  for (const [key, value] of Object.entries(change)) {
    if (value === null) delete spec[key];
    else if (value !== undefined) spec[key] = value;
  }
  if (!IMPAIRMENT_KEYS.some((k) => spec[k] !== undefined)) {
    throw invalid('that change leaves the filter nothing to do; remove it with `vnet filter rm ID` instead');
  }
  return spec as FilterSpec;
}

/** 'gemodel:p,r[,1-h[,1-k]]' (commas or spaces) or an object of percents → fractions. */
function parseLossModel(m: NonNullable<FilterSpec['lossModel']>): GilbertElliottParams {
  let parts: (number | string | undefined)[];
  if (typeof m === 'string') {
    const match = /^\s*gemodel\s*[:\s]\s*(.*)$/i.exec(m);
    parts = match ? match[1].split(/[\s,]+/).filter((s) => s !== '') : [];
    if (parts.length < 1 || parts.length > 4) {
      throw invalid(`loss model ${quoteInput(m)} is not gemodel:p,r[,1-h[,1-k]] in percents; write e.g. gemodel:1%,30%`);
    }
  } else if (typeof m === 'object' && m !== null) {
    parts = [m.p, m.r, m.lossBad, m.lossGood];
    if (m.p === undefined) throw invalid('loss model needs p, the percent chance of going from the good state to the bad one');
  } else {
    throw invalid(`loss model ${JSON.stringify(m)} is not gemodel:p,r[,1-h[,1-k]] or { p, r, lossBad, lossGood }`);
  }
  const [p, r, bad, good] = parts;
  const pGoodToBad = parsePercent(p!, 'loss model p');
  return {
    p: pGoodToBad,
    r: r === undefined ? 1 - pGoodToBad : parsePercent(r, 'loss model r'),
    lossBad: bad === undefined ? 1 : parsePercent(bad, 'loss model 1-h'),
    lossGood: good === undefined ? 0 : parsePercent(good, 'loss model 1-k'),
  };
}

function formatPercent(x: number): string {
  return `${+(x * 100).toFixed(4)}%`;
}

/** Exact enough to parse back to the same fraction, never in exponent form. */
function percentText(x: number): string {
  return `${(x * 100).toFixed(12).replace(/\.?0+$/, '')}%`;
}
