// The `linux` and `linux-random` presets against the figures measured on Linux 6.x (nftables
// masquerade between network namespaces, shared/spec/nat-behaviour.md "Measured on Linux 6.x").
// Each Linux figure is in a comment beside the assertion; test/engine/nat-linux-netns.test.ts runs
// the same cases against a real kernel side by side.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROTO_UDP } from '../../../src/wire/packet.js';
import { describeNat, normalizeNat } from '../../../src/engine/nat/index.js';
import { eventTypes, ip, mapped, rig, S } from './helpers.js';

const U = PROTO_UDP;
const A = ip('192.168.1.10');
const B = ip('192.168.1.11');
const Y1 = ip('198.51.100.1');
const Y2 = ip('198.51.100.2');
const Z = ip('198.51.100.99');

describe('linux preset: config', () => {
  it('sets every knob Linux masquerade has', () => {
    const c = normalizeNat({ preset: 'linux' })!;
    assert.deepEqual(
      [c.mapping, c.filtering, c.portPreservation, c.portParity, c.allocation, c.lifetimeNs, c.assuredLifetimeNs, c.inboundRefresh, c.hairpin, c.portOverloading, c.unsolicited],
      ['apd', 'apd', true, false, 'random', 30 * S, 120 * S, true, false, true, 'port-unreachable'],
    );
    assert.equal(describeNat(c), 'linux (EIM/APDF, port overloading) no-hairpin lifetime 30s assured 2m unsolicited port-unreachable port-preservation no-parity random ports inbound-refresh tcp 120h/2m');
    // Linux conntrack's TCP timeouts here: established 432000 s, syn_sent and time_wait 120 s.
    assert.deepEqual([c.tcpEstablishedNs, c.tcpTransitoryNs], [432_000 * S, 120 * S]);
    assert.match(describeNat(normalizeNat({ preset: 'linux-random' })!), /^linux-random \(APDM\/APDF, port overloading\)/);
  });

  it('another preset after linux takes the Linux knobs back to the defaults; today\'s presets are unchanged', () => {
    const linux = normalizeNat({ preset: 'linux' })!;
    const back = normalizeNat({ preset: 'port-restricted' }, linux)!;
    assert.deepEqual(back, normalizeNat({ preset: 'port-restricted' }));
    assert.equal(normalizeNat({ preset: 'port-restricted' })!.portOverloading, false);
    assert.equal(normalizeNat({ preset: 'symmetric' })!.unsolicited, 'drop');
  });

  it('port overloading needs per-flow (apd) mapping', () => {
    assert.throws(() => normalizeNat({ mapping: 'ei', filtering: 'apd', portOverloading: true }), /port overloading keys every flow by its remote endpoint, so it needs mapping apd \(got ei\)/);
    assert.throws(() => normalizeNat({ preset: 'linux', mapping: 'ei' }), /--nat linux means mapping apd, but --mapping ei was given too/);
  });
});

describe('linux preset: ports', () => {
  it('keeps the source port toward every destination (EIM as seen from outside)', () => {
    const { table } = rig({ preset: 'linux' });
    // Linux: 4000 -> 4000 toward two destinations.
    assert.equal(mapped(table.outbound(U, A, 4000, Y1, 3478)).externalPort, 4000);
    assert.equal(mapped(table.outbound(U, A, 4000, Y2, 3478)).externalPort, 4000);
    assert.equal(mapped(table.outbound(U, A, 4000, Y1, 3479)).externalPort, 4000);
  });

  it('port overloading: two inside hosts with one source port toward different destinations both keep it', () => {
    const { table } = rig({ preset: 'linux' });
    // Linux: both leave with 5000 (conntrack's 5-tuples differ; RFC 4787 REQ-3 says MUST NOT).
    const a = mapped(table.outbound(U, A, 5000, Y1, 7000));
    const b = mapped(table.outbound(U, B, 5000, Y2, 7000));
    assert.deepEqual([a.externalPort, b.externalPort], [5000, 5000]);
    // Replies reach the right host: the remote endpoint tells the flows apart.
    assert.equal(table.inbound(U, a.externalIp, 5000, Y1, 7000), a);
    assert.equal(table.inbound(U, b.externalIp, 5000, Y2, 7000), b);
    assert.equal(table.inbound(U, a.externalIp, 5000, Z, 7000), 'nat-filtered');
  });

  it('a collision (same destination) gets a random port, parity not kept; privileged ports stay in 1-511', () => {
    // Linux: collisions gave 6393, 55431, 50891; source port 500 became 458 or 23.
    const parities = new Set<number>();
    for (let seed = 1; seed <= 8; seed++) {
      const { table } = rig({ preset: 'linux' }, ['203.0.113.1'], seed);
      mapped(table.outbound(U, A, 5000, Y1, 7000));
      const b = mapped(table.outbound(U, B, 5000, Y1, 7000));
      assert.notEqual(b.externalPort, 5000);
      assert.ok(b.externalPort >= 1024, `got ${b.externalPort}, want 1024-65535`);
      parities.add(b.externalPort & 1);
      mapped(table.outbound(U, A, 500, Y1, 7000));
      const p = mapped(table.outbound(U, B, 500, Y1, 7000)).externalPort;
      assert.ok(p >= 1 && p <= 511 && p !== 500, `port 500 collided and became ${p}, want another of 1-511`);
    }
    assert.equal(parities.size, 2, 'both parities seen over 8 seeds (REQ-4 parity is not kept)');
  });

  it('port range exhausted: the new flow is refused (Linux drops it silently)', () => {
    const { table, events } = rig({ preset: 'linux', portRange: [40000, 40003] });
    // Linux: with the range full toward one destination, new flows are silently dropped.
    for (let i = 0; i < 4; i++) mapped(table.outbound(U, ip(`192.168.1.${20 + i}`), 5000, Y1, 7000));
    assert.equal(table.outbound(U, ip('192.168.1.30'), 5000, Y1, 7000), 'nat-port-exhausted');
    assert.match(eventTypes(events), /mapping-refused\(nat-port-exhausted\)$/);
    // Another destination still finds a port: the 5-tuple is what must be unique.
    assert.ok(mapped(table.outbound(U, ip('192.168.1.30'), 5000, Y2, 7000)).externalPort >= 40000);
  });

  it('a shared port is released only when its last flow goes', () => {
    const { table, scheduler } = rig({ preset: 'linux' });
    const a = mapped(table.outbound(U, A, 5000, Y1, 7000));
    scheduler.advance(20 * S);
    mapped(table.outbound(U, B, 5000, Y2, 7000));
    scheduler.advance(15 * S); // a expired at 30 s, b lives until 50 s
    assert.equal(table.inbound(U, a.externalIp, 5000, Y1, 7000), 'nat-filtered', 'a is gone; b holds the port');
    assert.equal(mapped(table.outbound(U, A, 5000, Y1, 7000)).externalPort, 5000, 'the 5-tuple is free again');
  });

  it('linux-random: a random port for every flow (APDM), even when the source port is free', () => {
    const { table } = rig({ preset: 'linux-random' });
    const one = mapped(table.outbound(U, A, 4000, Y1, 3478)).externalPort;
    const two = mapped(table.outbound(U, A, 4000, Y2, 3478)).externalPort;
    assert.notEqual(one, 4000);
    assert.notEqual(two, one, 'another destination, another port (random-fully)');
  });
});

describe('linux preset: filtering and timers', () => {
  it('APDF: only the endpoint the flow was sent to may answer', () => {
    const { table } = rig({ preset: 'linux' });
    const m = mapped(table.outbound(U, A, 4000, Y1, 3478));
    assert.equal(table.inbound(U, m.externalIp, 4000, Y1, 3479), 'nat-filtered');
    assert.equal(table.inbound(U, m.externalIp, 4000, Y2, 3478), 'nat-filtered');
    assert.equal(table.inbound(U, m.externalIp, 4000, Y1, 3478), m);
  });

  it('30 s unreplied, also after a single reply', () => {
    const { table, scheduler } = rig({ preset: 'linux' });
    const m = mapped(table.outbound(U, A, 4000, Y1, 3478));
    scheduler.advance(5 * S);
    assert.equal(table.inbound(U, m.externalIp, 4000, Y1, 3478), m, 'one reply');
    // Linux: 30 s after the last packet, even after a reply.
    scheduler.advance(30 * S - 1);
    assert.ok(table.findByExternal(U, m.externalIp, 4000), 'alive 1 ns before 30 s');
    scheduler.advance(1);
    assert.equal(table.findByExternal(U, m.externalIp, 4000), undefined);
  });

  it('120 s once assured (traffic both ways, then more), and inbound packets refresh', () => {
    const { table, scheduler } = rig({ preset: 'linux' });
    const m = mapped(table.outbound(U, A, 4000, Y1, 3478));
    scheduler.advance(3 * S);
    table.inbound(U, m.externalIp, 4000, Y1, 3478);
    scheduler.advance(1 * S);
    table.outbound(U, A, 4000, Y1, 3478);
    // Linux: 120 s once assured.
    scheduler.advance(120 * S - 1);
    assert.ok(table.findByExternal(U, m.externalIp, 4000), 'assured: alive 1 ns before 120 s');
    // Linux: inbound packets refresh too.
    assert.equal(table.inbound(U, m.externalIp, 4000, Y1, 3478), m);
    scheduler.advance(120 * S - 1);
    assert.ok(table.findByExternal(U, m.externalIp, 4000), 'refreshed by the inbound packet');
    scheduler.advance(1);
    assert.equal(table.findByExternal(U, m.externalIp, 4000), undefined, 'gone 120 s after the last packet');
  });

  it('an unreplied flow made while only an assured one waits still expires on time', () => {
    const { table, scheduler, events } = rig({ preset: 'linux' });
    const a = mapped(table.outbound(U, A, 4000, Y1, 3478));
    scheduler.advance(3 * S);
    table.inbound(U, a.externalIp, 4000, Y1, 3478);
    scheduler.advance(1 * S);
    table.outbound(U, A, 4000, Y1, 3478); // assured at 4 s: lives until 124 s
    scheduler.advance(36 * S); // the sweep at 30 s found nothing due and waits for a (124 s)
    mapped(table.outbound(U, B, 5000, Y2, 7000)); // made at 40 s, unreplied: 70 s
    scheduler.advance(30 * S);
    const expired = events.filter((e) => e.type === 'mapping-expired');
    assert.deepEqual(expired.map((e) => [e.mapping!.internalPort, e.time / S]), [[5000, 70]]);
  });

  it('a query and its answer within 2 s stay unreplied-short (30 s)', () => {
    const { table, scheduler } = rig({ preset: 'linux' });
    const m = mapped(table.outbound(U, A, 4000, Y1, 53));
    table.inbound(U, m.externalIp, 4000, Y1, 53);
    scheduler.advance(1 * S);
    table.outbound(U, A, 4000, Y1, 53);
    scheduler.advance(30 * S);
    assert.equal(table.findByExternal(U, m.externalIp, 4000), undefined);
  });
});
