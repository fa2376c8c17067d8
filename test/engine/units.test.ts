// Rates and sizes written back as text (filter descriptions, exported topology files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRate, formatSize, parseRate, parseSize } from '../../src/engine/units.js';

test('formatRate writes tc units and always reads back to the same rate', () => {
  assert.equal(formatRate(4_000_000), '4mbit');
  assert.equal(formatRate(1_500_000), '1.5mbit');
  assert.equal(formatRate(500_000), '500kbit');
  assert.equal(formatRate(2e9), '2gbit');
  assert.equal(formatRate(999), '999bit');
  for (const bps of [1, 999, 1000, 1001, 1_000_999, 1_234_567, 4_000_000, 1.5e9, 123_456_789_012]) {
    assert.equal(parseRate(formatRate(bps)), bps, `${bps} → ${formatRate(bps)}`);
  }
});

test('formatSize writes kb/mb when exact, else bytes, and reads back', () => {
  assert.equal(formatSize(32 * 1024), '32kb');
  assert.equal(formatSize(1024 * 1024), '1mb');
  assert.equal(formatSize(1500), '1500b');
  for (const n of [0, 1, 1500, 1024, 1536 * 1024, 3 * 1024 * 1024]) assert.equal(parseSize(formatSize(n)), n);
});
