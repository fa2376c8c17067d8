// The impairment flags of `filter add` and `filter change`, and their FilterSpec.
import { Flags } from '@oclif/core';
import type { FilterSpec } from '../engine/filters/spec.js';

export const filterFlags = {
  ingress: Flags.boolean({ description: 'act on packets arriving (default: leaving)' }),
  loss: Flags.string({ description: 'random loss, percent: 2 or 2%' }),
  'loss-model': Flags.string({ description: 'bursty loss like netem: gemodel:p,r[,1-h[,1-k]] in percent' }),
  duplicate: Flags.string({ description: 'duplicate this percent of packets' }),
  delay: Flags.string({ description: 'delay, e.g. 30ms' }),
  jitter: Flags.string({ description: 'uniform ± jitter on the delay (reorders, like netem), e.g. 5ms' }),
  'preserve-order': Flags.boolean({ description: 'jitter never reorders', allowNo: true }),
  rate: Flags.string({ description: 'token-bucket rate: 500kbit, 4mbit, 1gbit' }),
  burst: Flags.string({ description: 'bucket size: 32kb (default: 10 ms of rate, at least the MTU)' }),
  queue: Flags.string({ description: 'queue in front of the bucket: 64kb (default: max(burst, 100 MTUs)); tail drop' }),
  overhead: Flags.string({
    description: 'bytes each packet costs beyond its Ethernet frame, like tc\'s overhead (default 0: IP + 14 + 4 per VLAN tag); --overhead=-14 counts IP bytes only',
  }),
  'drop-match': Flags.string({ description: 'drop what matches a pcap-filter expression, e.g. "udp and dst port 53"' }),
  seed: Flags.integer({ description: 'this filter\'s own random seed' }),
};

type FilterFlagValues = {
  ingress?: boolean; loss?: string; 'loss-model'?: string; duplicate?: string; delay?: string; jitter?: string;
  'preserve-order'?: boolean; rate?: string; burst?: string; queue?: string; overhead?: string; 'drop-match'?: string;
  seed?: number;
};

export function filterSpecFrom(f: FilterFlagValues): FilterSpec {
  const spec: FilterSpec = { direction: f.ingress ? 'ingress' : 'egress' };
  if (f.loss !== undefined) spec.loss = f.loss;
  if (f['loss-model'] !== undefined) spec.lossModel = f['loss-model'];
  if (f.duplicate !== undefined) spec.duplicate = f.duplicate;
  if (f.delay !== undefined) spec.delay = f.delay;
  if (f.jitter !== undefined) spec.jitter = f.jitter;
  if (f['preserve-order']) spec.preserveOrder = true;
  if (f.rate !== undefined) spec.rate = f.rate;
  if (f.burst !== undefined) spec.burst = f.burst;
  if (f.queue !== undefined) spec.queue = f.queue;
  if (f.overhead !== undefined) spec.overhead = f.overhead;
  if (f['drop-match'] !== undefined) spec.dropMatch = f['drop-match'];
  if (f.seed !== undefined) spec.seed = f.seed;
  return spec;
}

/** The settings `filter unset` can remove, as flag names, and their FilterSpec keys. */
export const UNSETTABLE: Record<string, keyof FilterSpec> = {
  loss: 'loss', 'loss-model': 'lossModel', duplicate: 'duplicate', delay: 'delay', jitter: 'jitter', 'preserve-order': 'preserveOrder',
  rate: 'rate', burst: 'burst', queue: 'queue', overhead: 'overhead', 'drop-match': 'dropMatch', seed: 'seed',
};

/**
 * `filter change`'s params: only what was given (the rest of the filter stays), the direction only
 * with --ingress, and `unset`: the FilterSpec keys of each `--unset NAME` (the session removes them).
 */
export function filterChangeFrom(f: FilterFlagValues & { unset?: string[] }): FilterSpec & { unset?: (keyof FilterSpec)[] } {
  const change: FilterSpec & { unset?: (keyof FilterSpec)[] } = filterSpecFrom(f);
  if (!f.ingress) delete change.direction;
  if (f['preserve-order'] === false) change.preserveOrder = false;
  if (f.unset?.length) change.unset = f.unset.map((name) => UNSETTABLE[name]);
  return change;
}
