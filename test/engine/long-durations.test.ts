// Durations past what the engine can count: parseDuration refuses more than 2^53 ns (about 104
// days), the virtual clock refuses to pass that time, and a real-clock scheduler waiting longer
// than Node's longest timer (24.8 days) sleeps instead of waking every millisecond.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../../src/engine/clock.js';
import { Network } from '../../src/engine/network.js';
import { Scheduler } from '../../src/engine/scheduler.js';
import { MAX_DURATION_NS, parseDuration } from '../../src/engine/units.js';

const HOUR_NS = 3600e9;

test('parseDuration takes up to 2^53 ns and refuses more with EINVAL, naming the limit', () => {
  assert.equal(parseDuration('600h'), 600 * HOUR_NS);
  assert.equal(parseDuration('2501h'), 2501 * HOUR_NS);
  for (const text of ['2502h', '9999999999999999h', '99999999999999999999ms']) {
    assert.throws(() => parseDuration(text, 'timeout'), (e: { code?: string; message: string }) => {
      assert.equal(e.code, 'EINVAL');
      assert.match(e.message, new RegExp(`^timeout "${text}" is longer than 104 days`));
      return true;
    });
  }
  assert.throws(() => parseDuration(1e20), /longer than 104 days/, 'numbers (milliseconds) too');
  assert.equal(MAX_DURATION_NS, Number.MAX_SAFE_INTEGER);
});

test('clock advance past 2^53 ns is refused and the clock keeps moving afterwards', () => {
  const net = new Network({ clock: 'virtual' });
  assert.throws(() => net.advance('9999999999999999h'), /longer than 104 days/);
  net.advance('2500h');
  assert.throws(() => net.advance('2h'), (e: { code?: string; message: string }) => {
    assert.equal(e.code, 'EINVAL');
    assert.match(e.message, /advancing it by 7200000000000ns would pass 9007199254740991ns/);
    return true;
  });
  assert.equal(net.now(), 2500 * HOUR_NS, 'a refused advance does not move the clock');
  net.advance('1h');
  assert.equal(net.now(), 2501 * HOUR_NS);
  assert.throws(() => net.scheduler.after(2 * HOUR_NS, () => {}), /past 9007199254740991ns/, 'nor can work be scheduled past it');
});

test('a real-clock task 600 h away arms one timer, not a wake-up every millisecond (Node fires longer timers at once)', () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  let reads = 0;
  const clock: Clock = { kind: 'real', originUnixSeconds: 0, now: () => (reads++, Date.now() * 1e6) };
  const sched = new Scheduler(clock);
  try {
    let ran = false;
    const task = sched.after(600 * HOUR_NS, () => (ran = true));
    reads = 0;
    for (let ms = 0; ms < 100; ms++) mock.timers.tick(1);
    assert.equal(ran, false);
    assert.ok(reads <= 2, `the clock was read ${reads} times in 100 ms of waiting, want at most 2 (no wake-ups)`);
    sched.cancel(task);
  } finally {
    sched.stop();
    mock.timers.reset();
  }
});
