// `send`: a bounded --count sent one datagram at a time as the clock runs, and with --wait the
// replies and ICMP errors that come back, each with its round-trip time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallContext } from '../../src/session/session.js';
import { Session } from '../../src/session/session.js';
import { MAX_SEND_COUNT } from '../../src/session/limits.js';
import { apply, BASE, errorOf } from '../fixtures/topology/helpers.js';

/** BASE (alice behind home's NAT, server on the internet), with no filters so times are exact. */
function session(): Session {
  const s = new Session({ clock: 'virtual', seed: 1 });
  apply(s, BASE.replace(/filters:\n.*\n/, ''));
  return s;
}

function collecting(): { ctx: CallContext; items: Record<string, unknown>[] } {
  const items: Record<string, unknown>[] = [];
  return { items, ctx: { signal: new AbortController().signal, emit: (i) => items.push(i as Record<string, unknown>) } };
}

test(`--count is refused past ${MAX_SEND_COUNT} (EINVAL), a 20-digit count too, and nothing is sent`, () => {
  const s = session();
  try {
    for (const count of [MAX_SEND_COUNT + 1, 1e20, 0]) {
      const err = errorOf(() => s.call('send', { host: 'alice', dest: '198.51.100.7:7', count }, collecting().ctx));
      assert.equal(err.code, 'EINVAL', `count ${count}`);
      assert.match(err.message, /from 1 to 1000000; send more in several runs/);
    }
    // Not a whole number at all: the params schema names it before the method runs.
    for (const count of ['99999999999999999999', 1.5]) {
      const err = errorOf(() => s.call('send', { host: 'alice', dest: '198.51.100.7:7', count }, collecting().ctx));
      assert.equal(err.code, 'EINVAL', `count ${count}`);
      assert.match(err.message, /^send: count: .* want a whole number$/);
    }
    assert.equal(s.net.iface('alice/eth0').stats.txPackets, 0);
  } finally {
    s.close();
  }
});

test('a million datagrams 1 ms apart: one pending task, sent as the clock runs', () => {
  const s = session();
  try {
    const got: number[] = [];
    s.net.host('server').udpBind(7).on('message', () => got.push(s.net.now()));
    const r = s.call('send', { host: 'alice', dest: '198.51.100.7:7', count: MAX_SEND_COUNT, interval: '1ms' }, collecting().ctx) as { pending: number };
    assert.equal(r.pending, MAX_SEND_COUNT - 1);
    assert.ok(s.net.scheduler.pending < 10, `got ${s.net.scheduler.pending} scheduled tasks, want a few (the next send, the datagram in flight, NAT upkeep)`);
    s.net.advance('10ms');
    assert.equal(got.length, 11);
    assert.deepEqual(got.slice(0, 3), [0, 1e6, 2e6]);
    assert.ok(s.net.scheduler.pending < 10, 'still one send pending at a time');
  } finally {
    s.close();
  }
});

test('--wait shows each reply with its round-trip time', async () => {
  const s = session();
  try {
    s.net.addFilter('alice/eth0', { delay: '30ms' });
    const echo = s.net.host('server').udpBind(7);
    echo.on('message', (msg: Buffer, r: { address: string; port: number }) => echo.send(msg, r.port, r.address));
    const { ctx, items } = collecting();
    const pending = s.call('send', { host: 'alice', dest: '198.51.100.7:7', data: 'ping', waitMs: 10_000, replies: 1 }, ctx) as Promise<unknown>;
    s.net.advance('100ms');
    const { from: _from, ...r } = (await pending) as Record<string, unknown>;
    assert.deepEqual(r, { to: '198.51.100.7:7', size: 4, count: 1, pending: 0, replies: 1, icmpErrors: 0 });
    assert.equal(items.length, 1);
    assert.deepEqual([items[0].data, items[0].rttNs, items[0].timeNs], ['ping', 30e6, 30e6]);
  } finally {
    s.close();
  }
});

for (const delay of ['0ms', '20ms']) {
  test(`--wait shows an ICMP error that comes back (port unreachable, like nc's "connection refused") and ends the wait (delay ${delay})`, async () => {
    const s = session();
    try {
      s.net.addFilter('alice/eth0', { delay });
      const { ctx, items } = collecting();
      const pending = s.call('send', { host: 'alice', dest: '198.51.100.7:9', waitMs: 10_000 }, ctx) as Promise<{ replies: number; icmpErrors: number }>;
      s.net.advance('50ms');
      const r = await pending;
      assert.deepEqual([r.replies, r.icmpErrors], [0, 1]);
      assert.equal(items.length, 1);
      const { icmp, type, code, from, to, rttNs } = items[0];
      assert.deepEqual({ icmp, type, code, from, to, rttNs }, {
        icmp: 'port unreachable (connection refused)', type: 3, code: 3, from: '198.51.100.7', to: '198.51.100.7:9', rttNs: delay === '0ms' ? 0 : 20e6,
      });
    } finally {
      s.close();
    }
  });
}
