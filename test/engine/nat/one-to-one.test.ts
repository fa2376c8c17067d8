// The 1:1 NAT (spec §9): static and learned pairs, ports unchanged, all inbound allowed, no expiry; createNat.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROTO_TCP, PROTO_UDP } from '../../../src/wire/packet.js';
import { VirtualClock } from '../../../src/engine/clock.js';
import { Rng } from '../../../src/engine/rng.js';
import { Scheduler } from '../../../src/engine/scheduler.js';
import { createNat, NatTable, normalizeNat, OneToOneNat, type NatEvent, type NatOptions } from '../../../src/engine/nat/index.js';
import { eventTypes, ip, mapped, S } from './helpers.js';

const Y = ip('198.51.100.1');
const Z = ip('198.51.100.99');

function oneToOne(opts: Omit<NatOptions, 'preset'>, uplink: string[]) {
  const scheduler = new Scheduler(new VirtualClock());
  const events: NatEvent[] = [];
  const nat = createNat(normalizeNat({ preset: '1to1', ...opts })!, uplink.map(ip), scheduler, new Rng(1), (e) => events.push(e));
  assert.ok(nat instanceof OneToOneNat, 'createNat must give a OneToOneNat for 1to1');
  return { nat, scheduler, events };
}

describe('1:1 NAT', () => {
  it('static pair: x\' = x both ways, anyone may send in (C allowed), no expiry', () => {
    const { nat, scheduler } = oneToOne({ pairs: { '203.0.113.5': '10.0.0.5' } }, ['203.0.113.1']);
    const out = mapped(nat.outbound(PROTO_UDP, ip('10.0.0.5'), 40001, Y, 3478));
    assert.deepEqual([out.externalIp, out.externalPort, out.internalPort], [ip('203.0.113.5'), 40001, 40001]);
    scheduler.advance(24 * 3600 * S);
    const cases = [
      { name: 'contacted host', from: Y, port: 40001 },
      { name: 'unsolicited host, other port', from: Z, port: 22 },
    ];
    for (const c of cases) {
      const m = mapped(nat.inbound(PROTO_TCP, ip('203.0.113.5'), c.port, c.from, 9), c.name);
      assert.deepEqual([m.internalIp, m.internalPort, m.proto], [ip('10.0.0.5'), c.port, PROTO_TCP], c.name);
    }
    assert.equal(nat.inbound(PROTO_UDP, ip('203.0.113.1'), 1, Y, 1), 'nat-no-mapping', 'unpaired external');
    assert.equal(nat.list()[0].expiresInNs, null);
  });

  it('learns pairs in uplink order as internal hosts first send; then nat-unpaired', () => {
    const { nat, events } = oneToOne({}, ['203.0.113.1', '203.0.113.2']);
    const a = mapped(nat.outbound(PROTO_UDP, ip('10.0.0.7'), 1, Y, 1));
    const b = mapped(nat.outbound(PROTO_UDP, ip('10.0.0.3'), 1, Y, 1));
    assert.deepEqual([a.externalIp, b.externalIp], [ip('203.0.113.1'), ip('203.0.113.2')]);
    assert.equal(mapped(nat.outbound(PROTO_UDP, ip('10.0.0.7'), 2, Y, 1)).externalIp, ip('203.0.113.1'), 'a pair sticks');
    assert.equal(nat.outbound(PROTO_UDP, ip('10.0.0.9'), 1, Y, 1), 'nat-unpaired');
    assert.equal(eventTypes(events), 'mapping-created,mapping-created,mapping-refused(nat-unpaired)');
    assert.deepEqual((nat as OneToOneNat).pairs(), [
      { external: ip('203.0.113.1'), internal: ip('10.0.0.7'), explicit: false },
      { external: ip('203.0.113.2'), internal: ip('10.0.0.3'), explicit: false },
    ]);
    nat.clear();
    assert.equal(nat.size, 0, 'clear forgets learned pairs');
  });

  it('static pairs take precedence over learning and are skipped when learning', () => {
    const { nat } = oneToOne({ pairs: { '203.0.113.1': '10.0.0.1' } }, ['203.0.113.1', '203.0.113.2']);
    assert.equal(mapped(nat.outbound(PROTO_UDP, ip('10.0.0.2'), 1, Y, 1)).externalIp, ip('203.0.113.2'));
    nat.clear();
    assert.deepEqual(nat.list().map((m) => m.explicit), [true], 'static pairs survive clear');
  });

  it('a hairpin gets two distinct views (outbound and inbound) of the same pair', () => {
    const { nat } = oneToOne({ pairs: { '203.0.113.5': '10.0.0.5' } }, []);
    const from = mapped(nat.outbound(PROTO_UDP, ip('10.0.0.5'), 1111, ip('203.0.113.5'), 2222));
    const to = mapped(nat.inbound(PROTO_UDP, ip('203.0.113.5'), 2222, from.externalIp, from.externalPort));
    assert.deepEqual([from.externalPort, to.internalPort], [1111, 2222]);
    assert.equal(nat.findByInternal(PROTO_UDP, ip('10.0.0.5'), 7, Y, 1)!.externalPort, 7);
    assert.equal(nat.findByExternal(PROTO_UDP, ip('203.0.113.5'), 8)!.internalPort, 8);
    assert.equal(nat.findByExternal(PROTO_UDP, ip('203.0.113.6'), 8), undefined);
  });

  it('setConfig: new pairs replace the old; a NAPT config is refused', () => {
    const { nat } = oneToOne({ pairs: { '203.0.113.5': '10.0.0.5' } }, []);
    nat.setConfig(normalizeNat({ pairs: { '203.0.113.6': '10.0.0.5' } }, nat.config)!);
    assert.equal(mapped(nat.outbound(PROTO_UDP, ip('10.0.0.5'), 1, Y, 1)).externalIp, ip('203.0.113.6'));
    assert.throws(() => nat.setConfig(normalizeNat({ preset: 'full-cone' })!), { code: 'EINVAL' });
  });

  it('createNat gives a NatTable for NAPT configs', () => {
    const nat = createNat(normalizeNat({})!, [ip('203.0.113.1')], new Scheduler(new VirtualClock()), new Rng(1));
    assert.ok(nat instanceof NatTable);
    assert.equal(nat.mode, 'napt');
  });
});
