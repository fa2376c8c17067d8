// The route table alone, against gVisor's RouteTable semantics (spec: multicast-routing.md §2):
// pending queue of 3, expiry strictly after 10 s swept every 10 s, install releasing what is
// queued unless expired, monotonic last-used, remove one / all leaving pending routes alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../src/engine/clock.js';
import { Scheduler } from '../../src/engine/scheduler.js';
import { parseIpv4 } from '../../src/wire/addr.js';
import {
  CLEANUP_INTERVAL_NS, DEFAULT_PENDING_QUEUE_SIZE, MulticastRouteTable, PENDING_ROUTE_EXPIRATION_NS,
} from '../../src/multicast/route-table.js';

const S = parseIpv4('192.0.2.1');
const G = parseIpv4('239.1.1.1');
const ROUTE = { iif: 'uplink', oifs: [{ iface: 'lan', minTtl: 0 }] };

function table(expired: string[][] = []): { t: MulticastRouteTable<string>; clock: VirtualClock; sched: Scheduler } {
  const clock = new VirtualClock();
  const sched = new Scheduler(clock);
  const t = new MulticastRouteTable<string>({ scheduler: sched, onExpired: (_s, _g, p) => expired.push([...p.packets]) });
  return { t, clock, sched };
}

test('gVisor defaults: 3 pending packets, 10 s expiry, 10 s sweep', () => {
  assert.equal(DEFAULT_PENDING_QUEUE_SIZE, 3);
  assert.equal(PENDING_ROUTE_EXPIRATION_NS, 10e9);
  assert.equal(CLEANUP_INTERVAL_NS, 10e9);
});

test('the gVisor RouteTable walk-through: pending inserted, queued, full; install releases the queue; last used moves forward only', () => {
  const { t, sched } = table();
  assert.equal(t.lookupOrQueue(S, G, 'p1').state, 'pending-inserted');
  assert.equal(t.lookupOrQueue(S, G, 'p2').state, 'queued');
  assert.equal(t.lookupOrQueue(S, G, 'p3').state, 'queued');
  const full = t.lookupOrQueue(S, G, 'p4');
  assert.equal(full.state, 'queue-full', 'the 4th packet is refused');
  assert.equal(t.pendingRoute(S, G)?.overflow, 1);
  assert.equal(t.lastUsed(S, G), undefined, 'no installed route yet');
  sched.advance(1e9);
  const { route, released, expired } = t.install(S, G, ROUTE);
  assert.deepEqual(released, ['p1', 'p2', 'p3']);
  assert.deepEqual(expired, []);
  assert.equal(t.pendingRoute(S, G), undefined, 'installing removes the pending route');
  assert.equal(t.lastUsed(S, G), 1e9, 'last used = install time');
  const found = t.lookupOrQueue(S, G, 'p5');
  assert.equal(found.state, 'installed');
  sched.advance(10e9);
  route.setLastUsed(sched.now());
  assert.equal(t.lastUsed(S, G), 11e9, 'exactly 10 s later');
  route.setLastUsed(5e9);
  assert.equal(t.lastUsed(S, G), 11e9, 'an earlier time never moves it back');
});

test('the queue size is configurable (Linux holds 4)', () => {
  const { t } = table();
  t.maxPendingQueueSize = 4;
  const states = [1, 2, 3, 4, 5].map((i) => t.lookupOrQueue(S, G, `p${i}`).state);
  assert.deepEqual(states, ['pending-inserted', 'queued', 'queued', 'queued', 'queue-full']);
});

test('expiry is strict (now > created + 10 s) and swept every 10 s: a pending route lingers until the sweep after', () => {
  const expired: string[][] = [];
  const { t, sched } = table(expired);
  t.lookupOrQueue(S, G, 'p1');
  sched.advance(10e9);
  assert.ok(t.pendingRoute(S, G), 'at exactly 10 s the route has not expired (the first sweep keeps it)');
  sched.advance(10e9 - 1);
  assert.ok(t.pendingRoute(S, G), 'still there until the next sweep');
  sched.advance(1);
  assert.equal(t.pendingRoute(S, G), undefined, 'the sweep at 20 s removes it');
  assert.deepEqual(expired, [['p1']]);
  assert.equal(sched.pending, 0, 'the sweep stops when no pending route is left');
});

test('install after expiry but before the sweep returns nothing and drops the queued packets', () => {
  const { t, sched } = table();
  t.lookupOrQueue(S, G, 'p1');
  t.lookupOrQueue(S, G, 'p2');
  sched.advance(10e9 + 1);
  const { released, expired } = t.install(S, G, ROUTE);
  assert.deepEqual(released, []);
  assert.deepEqual(expired, ['p1', 'p2']);
});

test('a later packet does not extend a pending route', () => {
  const { t, sched } = table();
  t.lookupOrQueue(S, G, 'p1');
  sched.advance(9e9);
  t.lookupOrQueue(S, G, 'p2');
  assert.equal(t.pendingRoute(S, G)?.expiresNs, 10e9);
});

test('re-install overwrites the route; remove one and remove all leave pending routes alone', () => {
  const { t } = table();
  const G2 = parseIpv4('239.1.1.2');
  t.install(S, G, ROUTE);
  t.install(S, G, { iif: 'lan', oifs: [{ iface: 'uplink', minTtl: 3 }] });
  assert.deepEqual({ iif: t.get(S, G)?.iif, oifs: t.get(S, G)?.oifs }, { iif: 'lan', oifs: [{ iface: 'uplink', minTtl: 3 }] });
  t.lookupOrQueue(S, G2, 'q');
  assert.equal(t.remove(S, G2), false, 'nothing installed for G2');
  assert.equal(t.remove(S, G), true);
  assert.equal(t.remove(S, G), false);
  t.install(S, G, ROUTE);
  assert.equal(t.removeAll(), 1);
  assert.equal(t.installedRoutes().length, 0);
  assert.equal(t.pendingRoutes().length, 1, 'pending route of G2 untouched');
  t.close();
  assert.equal(t.pendingRoutes().length, 0, 'close drops the pending routes');
});

test('pending routes are bounded: past the limit a new (S,G) is refused (Linux ipmr keeps 10 unresolved)', () => {
  const { t } = table();
  t.maxPendingRoutes = 2;
  assert.equal(t.lookupOrQueue(S, G, 'a').state, 'pending-inserted');
  assert.equal(t.lookupOrQueue(S, G + 1, 'b').state, 'pending-inserted');
  assert.deepEqual(t.lookupOrQueue(S, G + 2, 'c'), { state: 'queue-full', pending: undefined });
  assert.equal(t.lookupOrQueue(S, G, 'a2').state, 'queued', 'an existing one still queues');
  t.install(S, G + 3, ROUTE);
  assert.equal(t.lookupOrQueue(S, G + 3, 'd').state, 'installed', 'installed routes are not limited');
});
