// Table internals that the behaviour tests do not reach directly: hash chains, permission overflow, hairpin at table level.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROTO_UDP } from '../../../src/wire/packet.js';
import { ChainIndex } from '../../../src/engine/nat/lookup.js';
import { MappingEntry } from '../../../src/engine/nat/mapping.js';
import { normalizeNat } from '../../../src/engine/nat/index.js';
import { ip, mapped, rig } from './helpers.js';

const U = PROTO_UDP;
const Y = ip('198.51.100.1');

function entry(id: number, hash: number): MappingEntry {
  return new MappingEntry(id, U, ip('10.0.0.1'), id, 0, ip('203.0.113.1'), 40000 + id, 'ei', undefined, undefined, hash, 'apd', false, 0, 1);
}

function chain(index: ChainIndex, hash: number): number[] {
  const ids: number[] = [];
  for (let e = index.first(hash) ?? null; e !== null; e = e.internalNext) ids.push(e.id);
  return ids;
}

describe('ChainIndex (collisions)', () => {
  it('entries with one hash chain; removal from head, middle and tail', () => {
    const cases = [
      { remove: 3, want: [2, 1] },
      { remove: 2, want: [3, 1] },
      { remove: 1, want: [3, 2] },
    ];
    for (const c of cases) {
      const index = new ChainIndex();
      const es = [1, 2, 3].map((id) => entry(id, 42));
      for (const e of es) index.add(e);
      assert.deepEqual(chain(index, 42), [3, 2, 1]);
      index.remove(es[c.remove - 1]);
      index.remove(es[c.remove - 1]); // twice is harmless
      assert.deepEqual(chain(index, 42), c.want, `remove ${c.remove}: got ${chain(index, 42)}, want ${c.want}`);
      assert.equal(index.size, 2);
    }
    const index = new ChainIndex();
    const e = entry(1, 7);
    index.add(e);
    index.remove(e);
    assert.equal(index.first(7), undefined);
    assert.equal(index.size, 0);
  });
});

describe('filtering permissions', () => {
  it('APDF keeps every remote the mapping sent to, past the small-list limit', () => {
    const { table } = rig({ preset: 'port-restricted' });
    let m = mapped(table.outbound(U, ip('192.168.1.10'), 5000, Y, 1));
    for (let i = 0; i < 40; i++) m = mapped(table.outbound(U, ip('192.168.1.10'), 5000, Y + i, 1000 + i));
    for (let i = 0; i < 40; i++) assert.equal(table.inbound(U, m.externalIp, m.externalPort, Y + i, 1000 + i), m, `remote ${i} must get in`);
    assert.equal(table.inbound(U, m.externalIp, m.externalPort, Y + 1, 1000), 'nat-filtered');
    assert.equal(table.inbound(U, m.externalIp, m.externalPort, Y + 40, 1040), 'nat-filtered');
  });

  it('ADF allows any port of a contacted address, past the small-list limit', () => {
    const { table } = rig({ preset: 'restricted-cone' });
    let m = mapped(table.outbound(U, ip('192.168.1.10'), 5000, Y, 1));
    for (let i = 0; i < 20; i++) m = mapped(table.outbound(U, ip('192.168.1.10'), 5000, Y + i, 1));
    for (let i = 0; i < 20; i++) assert.equal(table.inbound(U, m.externalIp, m.externalPort, Y + i, 999), m);
    assert.equal(table.inbound(U, m.externalIp, m.externalPort, Y + 20, 1), 'nat-filtered');
  });
});

describe('hairpinning through the table API (REQ-9)', () => {
  it('APDF: B must first send to A\'s external endpoint; then A gets in with its external source', () => {
    const { table } = rig({ preset: 'port-restricted' });
    const A = ip('192.168.1.10');
    const B = ip('192.168.1.20');
    const mB = mapped(table.outbound(U, B, 6000, Y, 3478));
    // A → B's external endpoint: outbound for A, inbound on B's mapping with A's external source.
    const fromA = mapped(table.outbound(U, A, 5000, mB.externalIp, mB.externalPort));
    assert.equal(table.inbound(U, mB.externalIp, mB.externalPort, fromA.externalIp, fromA.externalPort), 'nat-filtered');
    // B → A's external endpoint (B's mapping is EIM, so it is mB).
    const fromB = mapped(table.outbound(U, B, 6000, fromA.externalIp, fromA.externalPort));
    assert.equal(fromB, mB);
    assert.equal(table.inbound(U, fromA.externalIp, fromA.externalPort, fromB.externalIp, fromB.externalPort), fromA, 'A sent to B first, so B gets in');
    assert.equal(table.inbound(U, mB.externalIp, mB.externalPort, fromA.externalIp, fromA.externalPort), mB, 'now A gets in too');
  });

  it('after nat set from EIM to APDM, an existing EIM mapping still serves its internal endpoint', () => {
    const { table } = rig({ preset: 'port-restricted' });
    const X = ip('192.168.1.10');
    const m = mapped(table.outbound(U, X, 5000, Y, 1));
    table.setConfig(normalizeNat({ mapping: 'apd' }, table.config)!);
    assert.equal(table.outbound(U, X, 5000, Y + 1, 2), m);
    const n = mapped(table.outbound(U, X, 5001, Y + 1, 2));
    assert.deepEqual([n.remoteIp, n.remotePort], [Y + 1, 2], 'a new mapping is APDM');
    assert.equal(table.findByInternal(U, X, 5001, Y + 1, 3), undefined);
  });
});
