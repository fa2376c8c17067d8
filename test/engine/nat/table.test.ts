// NatTable state over time: expiry and refresh (RFC 4787 §4.3), events, explicit mappings, bounds, pooling, nat set.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROTO_UDP } from '../../../src/wire/packet.js';
import { normalizeNat } from '../../../src/engine/nat/index.js';
import { eventTypes, ip, mapped, rig, S } from './helpers.js';

const X = ip('192.168.1.10');
const Y = ip('198.51.100.1');
const host = (n: number) => ip(`192.168.1.${n}`);
const U = PROTO_UDP;

describe('expiry and refresh', () => {
  it('expires lifetime after the last refresh; the event fires then; inbound is refused after', () => {
    const { table, scheduler, events } = rig({ lifetime: '2m' });
    const m = mapped(table.outbound(U, X, 5000, Y, 1));
    scheduler.advance(120 * S - 1);
    assert.equal(table.inbound(U, m.externalIp, m.externalPort, Y, 1), m, 'alive 1ns before expiry');
    scheduler.advance(1);
    assert.equal(eventTypes(events), 'mapping-created,mapping-expired');
    assert.equal(events[1].time, 120 * S, `expired at ${events[1].time}, want ${120 * S}`);
    assert.equal(table.inbound(U, m.externalIp, m.externalPort, Y, 1), 'nat-no-mapping');
    assert.equal(table.size, 0);
  });

  it('outbound refresh every minute keeps a 2m mapping for an hour (REQ-6)', () => {
    const { table, scheduler } = rig({ lifetime: '2m' });
    const m = mapped(table.outbound(U, X, 5000, Y, 1));
    for (let t = 0; t < 60; t++) {
      scheduler.advance(60 * S);
      assert.equal(table.outbound(U, X, 5000, Y, 1), m, `minute ${t + 1}: got a new mapping`);
    }
    assert.equal(m.packetsOut, 61);
    assert.equal(m.expiresAt, scheduler.now() + 120 * S);
  });

  const inboundOnly = [
    { name: 'inbound refresh off: inbound-only traffic lets the mapping die', inboundRefresh: false, alive: false },
    { name: 'inbound refresh on: inbound-only traffic keeps it (REQ-6 a)', inboundRefresh: true, alive: true },
  ];
  for (const c of inboundOnly) {
    it(c.name, () => {
      const { table, scheduler } = rig({ lifetime: '2m', inboundRefresh: c.inboundRefresh });
      const m = mapped(table.outbound(U, X, 5000, Y, 1));
      for (let t = 0; t < 10; t++) {
        scheduler.advance(30 * S);
        table.inbound(U, m.externalIp, m.externalPort, Y, 1);
      }
      const got = table.findByExternal(U, m.externalIp, m.externalPort) !== undefined;
      assert.equal(got, c.alive, `after 5 min of inbound only: alive ${got}, want ${c.alive}`);
    });
  }

  it('a new outbound after expiry creates a new mapping (new id, next port)', () => {
    const { table, scheduler, events } = rig({ lifetime: '30s' });
    const a = mapped(table.outbound(U, X, 5000, Y, 1));
    scheduler.advance(31 * S);
    const b = mapped(table.outbound(U, X, 5000, Y, 1));
    assert.notEqual(b.id, a.id);
    assert.equal(b.externalPort, 49154, `got port ${b.externalPort}, want 49154 (the cursor moved on)`);
    assert.equal(eventTypes(events), 'mapping-created,mapping-expired,mapping-created');
  });

  it('lazy expiry: a lookup at expiresAt treats the mapping as gone even before the sweep runs', () => {
    const { table, scheduler, events } = rig({ lifetime: '10s' });
    const m = mapped(table.outbound(U, X, 5000, Y, 1));
    (scheduler.clock as unknown as { set(t: number): void }).set(10 * S); // move time without running tasks
    assert.equal(table.findByExternal(U, m.externalIp, m.externalPort), undefined, 'findBy* must not see a due mapping');
    assert.equal(table.size, 1, 'findBy* has no side effects');
    assert.equal(table.inbound(U, m.externalIp, m.externalPort, Y, 1), 'nat-no-mapping');
    assert.equal(eventTypes(events), 'mapping-created,mapping-expired');
    scheduler.runDue();
    assert.equal(events.length, 2, 'the sweep must not expire it twice');
  });

  it('keeps at most one sweep task however many mappings and refreshes', () => {
    const { table, scheduler, events } = rig({ lifetime: '1m' });
    for (let i = 0; i < 1000; i++) table.outbound(U, ip('10.0.0.0') + i, 5000, Y, 1);
    for (let t = 0; t < 5; t++) {
      scheduler.advance(10 * S);
      for (let i = 0; i < 1000; i += 2) table.outbound(U, ip('10.0.0.0') + i, 5000, Y, 1);
    }
    assert.ok(scheduler.pending <= 1, `got ${scheduler.pending} scheduler tasks, want at most 1`);
    scheduler.advance(11 * S); // odd ones idle for 61 s
    assert.equal(table.size, 500, `got ${table.size} mappings, want 500`);
    scheduler.advance(60 * S);
    assert.equal(table.size, 0);
    assert.equal(events.filter((e) => e.type === 'mapping-expired').length, 1000);
  });

  it('findByExternal/findByInternal neither refresh nor count (REQ-12)', () => {
    const { table, scheduler } = rig({ preset: 'symmetric', lifetime: '1m' });
    const m = mapped(table.outbound(U, X, 5000, Y, 1));
    scheduler.advance(30 * S);
    assert.equal(table.findByInternal(U, X, 5000, Y, 1), m);
    assert.equal(table.findByInternal(U, X, 5000, Y, 2), undefined, 'APDM key includes the remote port');
    assert.equal(table.findByExternal(U, m.externalIp, m.externalPort), m);
    assert.deepEqual([m.expiresAt, m.packetsOut, m.packetsIn], [60 * S, 1, 0]);
    scheduler.advance(30 * S);
    assert.equal(table.findByInternal(U, X, 5000, Y, 1), undefined);
  });

  it('the lifetime set at run time applies to live traffic mappings', () => {
    const { table, scheduler } = rig({ lifetime: '5m' });
    const m = mapped(table.outbound(U, X, 5000, Y, 1));
    scheduler.advance(60 * S);
    table.setConfig(normalizeNat({ lifetime: '90s' }, table.config)!);
    assert.equal(m.expiresAt, 90 * S);
    scheduler.advance(30 * S);
    assert.equal(table.size, 0, 'expired 90 s after its last refresh');
  });
});

describe('explicit mappings (NAT-PMP/PCP API)', () => {
  it('add: EIM + EIF, used by outbound, own lifetime; renew; expire', () => {
    const { table, scheduler, events } = rig({ preset: 'symmetric', lifetime: '2m' });
    const m = mapped(table.add({ proto: U, internalIp: X, internalPort: 5000, externalPort: 40000, lifetimeNs: 3600 * S }));
    assert.deepEqual([m.externalPort, m.explicit, m.expiresAt], [40000, true, 3600 * S]);
    assert.equal(table.inbound(U, m.externalIp, 40000, ip('1.2.3.4'), 9), m, 'explicit mappings let anyone in');
    assert.equal(table.outbound(U, X, 5000, Y, 1), m, 'outbound from X:x uses the explicit mapping');
    scheduler.advance(1800 * S);
    assert.equal(table.renew(m.id, 3600 * S), m);
    assert.equal(m.expiresAt, 5400 * S);
    scheduler.advance(3599 * S);
    assert.equal(table.size, 1, 'traffic lifetime (2m) does not apply');
    scheduler.advance(1 * S);
    assert.equal(table.size, 0);
    assert.equal(eventTypes(events), 'mapping-created,mapping-expired');
    assert.equal(table.renew(m.id, S), undefined);
  });

  it('add is idempotent and promotes a live EIM traffic mapping (same x\')', () => {
    const { table, scheduler } = rig({ lifetime: '1m' });
    const t = mapped(table.outbound(U, X, 5000, Y, 1));
    const a = mapped(table.add({ proto: U, internalIp: X, internalPort: 5000, lifetimeNs: 600 * S }));
    assert.equal(a, t);
    assert.equal(a.explicit, true);
    const b = mapped(table.add({ proto: U, internalIp: X, internalPort: 5000, externalPort: 1234, lifetimeNs: 600 * S }));
    assert.equal(b, a, 'a second request returns the same mapping');
    scheduler.advance(120 * S);
    assert.equal(table.size, 1, 'a promoted mapping keeps its own lifetime');
  });

  it('a suggested port in use is not taken; static (Infinity) mappings never expire; delete', () => {
    const { table, scheduler, events } = rig({});
    const t = mapped(table.outbound(U, host(2), 5000, Y, 1));
    const m = mapped(table.add({ proto: U, internalIp: X, internalPort: 5000, externalPort: t.externalPort, lifetimeNs: Infinity }));
    assert.notEqual(m.externalPort, t.externalPort, 'must not overload the suggested port');
    scheduler.advance(48 * 3600 * S);
    assert.equal(table.findByExternal(U, m.externalIp, m.externalPort), m);
    assert.equal(table.delete(m.id), true);
    assert.equal(table.delete(m.id), false);
    assert.equal(table.findByExternal(U, m.externalIp, m.externalPort), undefined);
    assert.equal(eventTypes(events), 'mapping-created,mapping-created,mapping-expired,mapping-deleted');
  });

  it('requested mappings: marked in the view, found by findExplicit, filtered to given remotes and back to anyone', () => {
    const { table } = rig({});
    const t = mapped(table.outbound(U, X, 6000, Y, 1));
    assert.equal(table.findExplicit(U, X, 6000), undefined, 'a traffic mapping is not explicit');
    const m = mapped(table.add({ proto: U, internalIp: X, internalPort: 5000, lifetimeNs: 60 * S, requestedBy: 'pcp', filter: { behavior: 'apd', remotes: [{ ip: Y, port: 3478 }] } }));
    assert.equal(table.findExplicit(U, X, 5000), m);
    assert.deepEqual(table.list().filter((v) => v.requested).map((v) => [v.internal, v.requested, v.expiresInNs]), [['192.168.1.10:5000', 'pcp', 60 * S]]);
    assert.equal(table.externalPortFree(U, m.externalIp, m.externalPort), false);
    assert.equal(table.externalPortFree(U, m.externalIp, t.externalPort + 1000), true);
    assert.equal(table.inbound(U, m.externalIp, m.externalPort, Y, 3478), m, 'the listed peer gets in');
    assert.equal(table.inbound(U, m.externalIp, m.externalPort, Y, 3479), 'nat-filtered', 'another port of it does not');
    table.add({ proto: U, internalIp: X, internalPort: 5000, lifetimeNs: 60 * S, filter: { behavior: 'apd', remotes: [] } });
    assert.equal(table.inbound(U, m.externalIp, m.externalPort, ip('1.2.3.4'), 9), m, 'an empty filter lets anyone in again');
    assert.equal(m.requestedBy, 'pcp', 'a renewal without requestedBy keeps it');
  });

  it('rejects bad requests with EINVAL', () => {
    const { table } = rig({});
    const bad = [
      { proto: U, internalIp: X, internalPort: 70000, lifetimeNs: S },
      { proto: U, internalIp: X, internalPort: 5000, lifetimeNs: 0 },
      { proto: 300, internalIp: X, internalPort: 5000, lifetimeNs: S },
    ];
    for (const req of bad) assert.throws(() => table.add(req), { code: 'EINVAL' }, JSON.stringify(req));
  });
});

describe('bounds', () => {
  it('port exhaustion in a tiny range: refused with an event, works again after an expiry', () => {
    const { table, scheduler, events } = rig({ portRange: [40000, 40003], portParity: false, lifetime: '1m' });
    for (let h = 1; h <= 4; h++) mapped(table.outbound(U, host(h), 5000, Y, 1), `host ${h}`);
    assert.equal(table.outbound(U, host(5), 5000, Y, 1), 'nat-port-exhausted');
    const refused = events.at(-1)!;
    assert.deepEqual([refused.type, refused.reason, refused.internalIp, refused.internalPort], ['mapping-refused', 'nat-port-exhausted', host(5), 5000]);
    scheduler.advance(30 * S);
    for (let h = 2; h <= 4; h++) table.outbound(U, host(h), 5000, Y, 1); // host 1 goes idle
    scheduler.advance(30 * S);
    const m = mapped(table.outbound(U, host(5), 5000, Y, 1), 'after host 1 expired');
    assert.equal(m.externalPort, 40000);
  });

  it('maxMappings: over the bound → nat-table-full; a delete makes room', () => {
    const { table, events } = rig({ maxMappings: 3 });
    const ms = [1, 2, 3].map((h) => mapped(table.outbound(U, host(h), 5000, Y, 1)));
    assert.equal(table.outbound(U, host(4), 5000, Y, 1), 'nat-table-full');
    assert.equal(events.at(-1)!.reason, 'nat-table-full');
    assert.equal(table.add({ proto: U, internalIp: host(4), internalPort: 1, lifetimeNs: S }), 'nat-table-full');
    table.delete(ms[0].id);
    mapped(table.outbound(U, host(4), 5000, Y, 1));
    assert.equal(table.size, 3);
  });
});

describe('pooling with two external IPs (REQ-2)', () => {
  const E1 = ip('203.0.113.1');
  const E2 = ip('203.0.113.2');
  it('paired: every mapping of one internal IP uses one external IP; hosts spread over both', () => {
    const { table } = rig({ preset: 'symmetric' }, ['203.0.113.1', '203.0.113.2']);
    const byHost = new Map<number, Set<number>>();
    for (let h = 1; h <= 4; h++) {
      for (let i = 0; i < 10; i++) {
        const m = mapped(table.outbound(U, host(h), 5000 + i, Y + i, 1));
        if (!byHost.has(h)) byHost.set(h, new Set());
        byHost.get(h)!.add(m.externalIp);
      }
    }
    const got = [...byHost.values()].map((s) => [...s]);
    assert.deepEqual(got, [[E1], [E2], [E1], [E2]], `got ${JSON.stringify(got)}`);
  });

  it('paired: a host stays on its IP even when that IP is out of ports', () => {
    const { table } = rig({ portRange: [40000, 40001], portParity: false }, ['203.0.113.1', '203.0.113.2']);
    mapped(table.outbound(U, host(1), 5000, Y, 1));
    mapped(table.outbound(U, host(1), 5001, Y, 1));
    assert.equal(table.outbound(U, host(1), 5002, Y, 1), 'nat-port-exhausted');
  });

  it('arbitrary: the first IP with a free port', () => {
    const { table } = rig({ pooling: 'arbitrary', portRange: [40000, 40001], portParity: false }, ['203.0.113.1', '203.0.113.2']);
    const got = [5000, 5001, 5002].map((x) => mapped(table.outbound(U, host(1), x, Y, 1)).externalIp);
    assert.deepEqual(got, [E1, E1, E2]);
  });
});

describe('nat set and housekeeping', () => {
  it('new behaviour applies to new mappings; existing ones keep theirs', () => {
    const { table } = rig({ preset: 'full-cone' });
    const old = mapped(table.outbound(U, host(1), 5000, Y, 1));
    table.setConfig(normalizeNat({ preset: 'port-restricted' }, table.config)!);
    const fresh = mapped(table.outbound(U, host(2), 5000, Y, 1));
    const Z = ip('198.51.100.99');
    assert.equal(table.inbound(U, old.externalIp, old.externalPort, Z, 9), old, 'the old mapping stays EIF');
    assert.equal(table.inbound(U, fresh.externalIp, fresh.externalPort, Z, 9), 'nat-filtered');
    assert.throws(() => table.setConfig(normalizeNat({ preset: '1to1' })!), { code: 'EINVAL' });
  });

  it('list is sorted by id and hides nothing live; clear and dispose cancel timers', () => {
    const { table, scheduler } = rig({});
    for (let h = 5; h >= 1; h--) table.outbound(U, host(h), 5000, Y, 1);
    table.add({ proto: U, internalIp: X, internalPort: 1, lifetimeNs: 60 * S });
    const ids = table.list().map((m) => m.id);
    assert.deepEqual(ids, [1, 2, 3, 4, 5, 6]);
    table.clear();
    assert.deepEqual([table.size, table.list().length], [0, 0]);
    scheduler.runUntilIdle();
    const m = mapped(table.outbound(U, host(1), 5000, Y, 1));
    assert.equal(m.id, 7, 'ids keep counting after clear');
    table.dispose();
    assert.equal(scheduler.nextDue(), undefined, 'no timers left after dispose');
  });

  it('a NAT needs an external address', () => {
    assert.throws(() => rig({}, []), { code: 'EINVAL' });
  });
});
