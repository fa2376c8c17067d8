// Rates and sizes written back as text (filter descriptions, exported topology files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatDurationOneUnit, formatRate, formatSize, parseDuration, parseRate, parseSize } from '../../src/engine/units.js';

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

test('formatDuration is exact: never rounded into another duration, like Go\'s Duration String', () => {
  const cases: [number, string][] = [
    [0, '0s'], [999, '999ns'], [1500, '1.5us'], [1_500_000, '1.5ms'], [18_884_023, '18.884023ms'],
    [1_000_000_000, '1s'], [1_500_000_000, '1.5s'], [90_000_000_000, '1m30s'],
    [299_999_000_000, '4m59.999s'], [300_000_000_000, '5m'], [300_016_000_000, '5m0.016s'],
    [3_600_000_000_000, '1h'], [3_605_000_000_000, '1h0m5s'], [3_661_000_000_001, '1h1m1.000000001s'],
  ];
  for (const [ns, text] of cases) assert.equal(formatDuration(ns), text, `${ns} ns`);
});

test('formatDurationOneUnit writes one unit, exactly, that parseDuration reads back', () => {
  const cases: [number, string][] = [
    [0, '0ns'], [250, '250ns'], [30_000_000, '30ms'], [1_500_000_000, '1.5s'], [90_000_000_000, '1.5m'], [7_200_000_000_000, '2h'],
    [18_884_023, '18.884023ms'], [1_234_567, '1.234567ms'], [299_999_000_000, '299.999s'], [3_661_000_000_001, '3661.000000001s'],
  ];
  for (const [ns, text] of cases) {
    assert.equal(formatDurationOneUnit(ns), text, `${ns} ns`);
    assert.equal(parseDuration(text), ns, `${text} reads back`);
  }
});
