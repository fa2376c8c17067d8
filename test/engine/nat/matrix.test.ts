// The nine mapping×filtering pairs of spec §11, checked at table level for UDP and TCP (columns A-E).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROTO_TCP, PROTO_UDP } from '../../../src/wire/packet.js';
import type { Behavior } from '../../../src/engine/nat/index.js';
import { ip, mapped, rig } from './helpers.js';

const X = ip('192.168.1.10');
const x = 5000;
const Y1 = ip('198.51.100.1');
const Y2 = ip('198.51.100.2');
const Z = ip('198.51.100.99');
const p1 = 3478;
const p2 = 3479;
const q = 4000;

interface Row {
  mapping: Behavior;
  filtering: Behavior;
  /** A: to Y2:p1 keeps x'? B: to Y1:p2 keeps x'? C: Z:q gets in? D: Y1:p2 gets in? (E: Y1:p1 always gets in.) */
  a: boolean;
  b: boolean;
  c: boolean;
  d: boolean;
  legacy: string;
}

const MATRIX: Row[] = [
  { mapping: 'ei', filtering: 'ei', a: true, b: true, c: true, d: true, legacy: 'full cone' },
  { mapping: 'ei', filtering: 'ad', a: true, b: true, c: false, d: true, legacy: 'restricted cone' },
  { mapping: 'ei', filtering: 'apd', a: true, b: true, c: false, d: false, legacy: 'port-restricted cone' },
  { mapping: 'ad', filtering: 'ei', a: false, b: true, c: true, d: true, legacy: '-' },
  { mapping: 'ad', filtering: 'ad', a: false, b: true, c: false, d: true, legacy: '-' },
  { mapping: 'ad', filtering: 'apd', a: false, b: true, c: false, d: false, legacy: 'symmetric (variant)' },
  { mapping: 'apd', filtering: 'ei', a: false, b: false, c: true, d: true, legacy: '-' },
  { mapping: 'apd', filtering: 'ad', a: false, b: false, c: false, d: true, legacy: '-' },
  { mapping: 'apd', filtering: 'apd', a: false, b: false, c: false, d: false, legacy: 'symmetric' },
];

for (const [protoName, proto] of [['udp', PROTO_UDP], ['tcp', PROTO_TCP]] as const) {
  describe(`NAT matrix (spec §11) over ${protoName}`, () => {
    for (const row of MATRIX) {
      const name = `${row.mapping.toUpperCase()}M/${row.filtering.toUpperCase()}F (${row.legacy})`;
      /** A fresh table after step 1: X:x sent to Y1:p1. */
      const step1 = () => {
        const r = rig({ mapping: row.mapping, filtering: row.filtering });
        const m1 = mapped(r.table.outbound(proto, X, x, Y1, p1), 'step 1');
        return { ...r, m1 };
      };
      const delivered = (from: number, fromPort: number): boolean => {
        const { table, m1 } = step1();
        const got = table.inbound(proto, m1.externalIp, m1.externalPort, from, fromPort);
        if (typeof got === 'string') {
          assert.equal(got, 'nat-filtered', `${name}: a refused inbound: got ${got}, want nat-filtered`);
          return false;
        }
        assert.equal(got, m1, `${name}: inbound reached mapping ${got.id}, want ${m1.id}`);
        return true;
      };

      it(name, () => {
        const a = (() => {
          const { table, m1 } = step1();
          return mapped(table.outbound(proto, X, x, Y2, p1), 'A').externalPort === m1.externalPort;
        })();
        const b = (() => {
          const { table, m1 } = step1();
          return mapped(table.outbound(proto, X, x, Y1, p2), 'B').externalPort === m1.externalPort;
        })();
        const got = { a, b, c: delivered(Z, q), d: delivered(Y1, p2), e: delivered(Y1, p1) };
        const want = { a: row.a, b: row.b, c: row.c, d: row.d, e: true };
        assert.deepEqual(got, want, `${name}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      });
    }
  });
}

describe('NAT matrix details', () => {
  it('a mapping that is not reused gets a different external port, never the same one twice (REQ-3)', () => {
    const { table } = rig({ preset: 'symmetric' });
    const ports = new Set<number>();
    for (let i = 0; i < 10; i++) ports.add(mapped(table.outbound(PROTO_UDP, X, x, Y1, 1000 + i)).externalPort);
    assert.equal(ports.size, 10, `got ${ports.size} distinct ports for 10 APDM mappings, want 10`);
  });

  it('ADM/APDM mappings record the bound destination', () => {
    const cases = [
      { mapping: 'ei' as const, remote: 'undefined:undefined' },
      { mapping: 'ad' as const, remote: `${Y1}:undefined` },
      { mapping: 'apd' as const, remote: `${Y1}:${p1}` },
    ];
    for (const c of cases) {
      const { table } = rig({ mapping: c.mapping });
      const m = mapped(table.outbound(PROTO_UDP, X, x, Y1, p1));
      assert.equal(`${m.remoteIp}:${m.remotePort}`, c.remote, `${c.mapping}: got ${m.remoteIp}:${m.remotePort}, want ${c.remote}`);
    }
  });

  it('UDP and TCP mappings are separate (same internal endpoint, independent tables)', () => {
    const { table } = rig({ preset: 'port-restricted' });
    const u = mapped(table.outbound(PROTO_UDP, X, x, Y1, p1));
    const t = mapped(table.outbound(PROTO_TCP, X, x, Y1, p1));
    assert.notEqual(u.id, t.id);
    // Each protocol has its own port space, so both may hold the same external port.
    assert.equal(t.externalPort, u.externalPort, `got TCP port ${t.externalPort}, want ${u.externalPort} (separate allocators)`);
    assert.equal(table.inbound(PROTO_TCP, t.externalIp, t.externalPort, Y1, p1), t);
    assert.equal(table.inbound(PROTO_UDP, u.externalIp, u.externalPort, Y1, p1), u);
    assert.equal(table.size, 2);
  });

  it('filtering permissions follow outbound traffic: after X:x sends to Z:q, Z:q gets in (APDF)', () => {
    const { table } = rig({ preset: 'port-restricted' });
    const m = mapped(table.outbound(PROTO_UDP, X, x, Y1, p1));
    assert.equal(table.inbound(PROTO_UDP, m.externalIp, m.externalPort, Z, q), 'nat-filtered');
    table.outbound(PROTO_UDP, X, x, Z, q);
    assert.equal(table.inbound(PROTO_UDP, m.externalIp, m.externalPort, Z, q), m);
    assert.equal(table.inbound(PROTO_UDP, m.externalIp, m.externalPort, Z, q + 1), 'nat-filtered');
    assert.equal(table.inbound(PROTO_UDP, m.externalIp, m.externalPort + 2, Z, q), 'nat-no-mapping');
  });
});
