// Multicast events as `vnet events` and the REPL print them, and as JSON (`timeNs`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chalk } from 'chalk';
import { eventText } from '../../src/cli/event-text.js';
import { describeLiveEvent } from '../../src/repl/live-events.js';
import { eventView } from '../../src/session/views.js';

const plain = new Chalk({ level: 0 });

test('mroute and membership events: one line each, shown live in the REPL, JSON with timeNs', () => {
  const missing = eventView({ type: 'mroute-missing', time: 1_500_000_000, router: 'campus', source: '198.51.100.1', group: '239.1.1.1', iif: 'uplink' });
  assert.deepEqual(missing, { type: 'mroute-missing', timeNs: 1_500_000_000, router: 'campus', source: '198.51.100.1', group: '239.1.1.1', iif: 'uplink' });
  assert.equal(eventText(missing, plain), 'mroute-missing campus (198.51.100.1, 239.1.1.1) iif uplink');
  assert.equal(describeLiveEvent(missing), '[1.5s] mroute-missing campus (198.51.100.1, 239.1.1.1) iif uplink');
  const wrong = eventView({ type: 'mroute-wrong-iif', time: 0, router: 'campus', source: '198.51.100.1', group: '239.1.1.1', iif: 'lan', expectedIif: 'uplink' });
  assert.equal(eventText(wrong, plain), 'mroute-wrong-iif campus (198.51.100.1, 239.1.1.1) iif lan, route expects uplink');
  const gone = eventView({ type: 'mcast-member-removed', time: 0, router: 'campus', iface: 'lan', group: '239.1.1.1', reporter: '10.1.0.2', reason: 'timeout' });
  assert.equal(eventText(gone, plain), 'mcast-member-removed campus/lan 239.1.1.1 (reporter 10.1.0.2): timeout');
  assert.ok(describeLiveEvent(gone));
});
