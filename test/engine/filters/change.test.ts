// `filter change` merges like `nat set`: what is given replaces, null removes, the rest stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterChangeFrom } from '../../../src/cli/filter-flags.js';
import { Network } from '../../../src/engine/network.js';
import type { FilterChange, FilterSpec } from '../../../src/engine/filters/spec.js';

function net(): Network {
  const n = new Network({ clock: 'virtual', seed: 1 });
  n.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  n.addHost({ name: 'a', router: 'internet', ips: ['198.51.100.1'] });
  return n;
}

const CASES: { name: string; from: FilterSpec; change: FilterChange; want: string }[] = [
  { name: 'a jitter keeps the delay', from: { delay: '80ms', loss: '2%' }, change: { jitter: '10ms' }, want: 'egress loss 2% delay 80ms±10ms' },
  { name: 'null removes one setting', from: { delay: '80ms', jitter: '10ms', loss: '2%' }, change: { jitter: null }, want: 'egress loss 2% delay 80ms' },
  { name: 'jitter 0 turns jitter off', from: { delay: '80ms', jitter: '10ms' }, change: { jitter: 0 }, want: 'egress delay 80ms' },
  { name: 'removing the rate removes burst and queue', from: { rate: '1mbit', burst: '32kb', queue: '64kb', delay: '5ms' }, change: { rate: null }, want: 'egress delay 5ms' },
  { name: 'a new rate gets its own default burst', from: { rate: '1mbit' }, change: { rate: '1gbit' }, want: 'egress rate 1gbit burst 1250000b' },
  { name: 'a new rate keeps a burst that was given', from: { rate: '1mbit', burst: '32kb' }, change: { rate: '4mbit' }, want: 'egress rate 4mbit burst 32kb' },
  { name: 'loss replaces a loss model', from: { lossModel: 'gemodel:1%,30%' }, change: { loss: '5%' }, want: 'egress loss 5%' },
  { name: 'the direction stays', from: { direction: 'ingress', delay: '10ms' }, change: { loss: '1%' }, want: 'ingress loss 1% delay 10ms' },
];

for (const c of CASES) {
  test(`filter change: ${c.name}`, () => {
    const n = net();
    const f = n.addFilter('a/eth0', c.from);
    const got = n.changeFilter(f.id, c.change);
    assert.equal(got.description, c.want);
    assert.equal(got.id, f.id);
  });
}

test('a change that leaves a filter nothing to do is refused and the filter stays', () => {
  const n = net();
  const f = n.addFilter('a/eth0', { delay: '10ms' });
  assert.throws(() => n.changeFilter(f.id, { delay: null }), /leaves the filter nothing to do; remove it with `vnet filter rm ID`/);
  assert.throws(() => n.changeFilter(f.id, { nonsense: 1 } as FilterChange), /unknown filter option "nonsense"/);
  assert.equal(n.filters.list()[0].description, 'egress delay 10ms');
});

test('filter change flags: only what is given, --unset as the keys to remove, no direction without --ingress', () => {
  assert.deepEqual(filterChangeFrom({ jitter: '10ms' }), { jitter: '10ms' });
  assert.deepEqual(filterChangeFrom({ unset: ['jitter', 'drop-match', 'loss-model'] }), { unset: ['jitter', 'dropMatch', 'lossModel'] });
  assert.deepEqual(filterChangeFrom({ ingress: true, 'preserve-order': false }), { direction: 'ingress', preserveOrder: false });
});
