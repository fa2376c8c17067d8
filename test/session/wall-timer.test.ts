// Wall-time deadlines longer than Node's longest timer (2^31 - 1 ms, 24.8 days): `listen --timeout
// 600h` and friends wait the whole time instead of firing after a millisecond.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from '../../src/session/session.js';
import { wallTimer } from '../../src/session/wall-timer.js';
import { apply, BASE } from '../fixtures/topology/helpers.js';

const HOUR_MS = 3_600_000;

test('wallTimer(600 h) fires after 600 h, not at once, and clear() stops it', () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  try {
    let fired = 0;
    wallTimer(600 * HOUR_MS, () => fired++);
    mock.timers.tick(1);
    assert.equal(fired, 0, 'fired after 1 ms');
    mock.timers.tick(2 ** 31);
    assert.equal(fired, 0, 'fired after 24.8 days');
    mock.timers.tick(600 * HOUR_MS - 2 ** 31 - 2);
    assert.equal(fired, 0, 'fired 1 ms early');
    mock.timers.tick(1);
    assert.equal(fired, 1);
    const stopped = wallTimer(600 * HOUR_MS, () => fired++);
    mock.timers.tick(2 ** 31 + 5);
    stopped.clear();
    mock.timers.tick(600 * HOUR_MS);
    assert.equal(fired, 1, 'a cleared chain does not fire');
  } finally {
    mock.timers.reset();
  }
});

test('listen with a 600 h timeout keeps listening (it used to end at once, timed out)', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const s = new Session({ clock: 'virtual' });
  try {
    apply(s, BASE);
    const abort = new AbortController();
    let result: unknown;
    const done = (s.call('listen', { host: 'server', port: 7, timeoutMs: 600 * HOUR_MS }, { signal: abort.signal, emit: () => {} }) as Promise<unknown>)
      .then((r) => (result = r));
    mock.timers.tick(10);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(result, undefined, 'listen ended after 10 ms');
    mock.timers.tick(600 * HOUR_MS);
    await done;
    assert.deepEqual(result, { received: 0, timedOut: true });
  } finally {
    mock.timers.reset();
    s.close();
  }
});
