// normalizeNat and describeNat: presets, overrides, `nat set` on a base, validation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_NAT, describeNat, normalizeNat, type NatOptions } from '../../../src/engine/nat/index.js';
import { ip, S } from './helpers.js';

describe('normalizeNat', () => {
  const cases: { name: string; opts: NatOptions; want: Partial<ReturnType<typeof normalizeNat> & object> }[] = [
    { name: 'defaults: port-restricted, hairpin, parity, 5m', opts: {}, want: { mode: 'napt', mapping: 'ei', filtering: 'apd', hairpin: true, portParity: true, portPreservation: false, lifetimeNs: 300 * S, maxMappings: 262_144, pooling: 'paired', allocation: 'sequential' } },
    { name: 'full-cone', opts: { preset: 'full-cone' }, want: { mapping: 'ei', filtering: 'ei' } },
    { name: 'restricted-cone', opts: { preset: 'restricted-cone' }, want: { mapping: 'ei', filtering: 'ad' } },
    { name: 'symmetric', opts: { preset: 'symmetric' }, want: { mapping: 'apd', filtering: 'apd' } },
    { name: 'mapping and filtering without a preset', opts: { mapping: 'apd', filtering: 'ei' }, want: { mapping: 'apd', filtering: 'ei' } },
    { name: 'a preset with its own filtering repeated', opts: { preset: 'symmetric', filtering: 'apd' }, want: { mapping: 'apd', filtering: 'apd' } },
    { name: 'lifetime as ms number', opts: { lifetime: 1500 }, want: { lifetimeNs: 1.5 * S } },
    { name: 'short lifetimes are allowed', opts: { lifetime: '30s' }, want: { lifetimeNs: 30 * S } },
    // RFC 5382 REQ-5: established >= 2 h 4 min, transitory >= 4 min.
    { name: 'TCP timeouts default to RFC 5382\'s minimums', opts: {}, want: { tcpEstablishedNs: 7440 * S, tcpTransitoryNs: 240 * S } },
    { name: 'TCP timeouts as text and ms', opts: { tcpEstablished: '3h', tcpTransitory: 30_000 }, want: { tcpEstablishedNs: 3 * 3600 * S, tcpTransitoryNs: 30 * S } },
    { name: '1to1 forces EIM/EIF and preservation', opts: { preset: '1to1', pairs: { '203.0.113.5': '10.0.0.5' } }, want: { mode: '1to1', mapping: 'ei', filtering: 'ei', portPreservation: true, pairs: [[ip('203.0.113.5'), ip('10.0.0.5')]] } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = normalizeNat(c.opts)!;
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k as keyof typeof got], v, `${k}: got ${JSON.stringify(got[k as keyof typeof got])}, want ${JSON.stringify(v)}`);
    });
  }

  it('none → null', () => assert.equal(normalizeNat({ preset: 'none' }), null));

  it('with a base, only the given fields change', () => {
    const base = normalizeNat({ preset: 'symmetric', lifetime: '2m', hairpin: false })!;
    const got = normalizeNat({ filtering: 'ad' }, base)!;
    assert.deepEqual([got.mapping, got.filtering, got.lifetimeNs, got.hairpin], ['apd', 'ad', 120 * S, false]);
    const back = normalizeNat({ preset: 'full-cone' }, normalizeNat({ preset: '1to1' })!)!;
    assert.deepEqual([back.mode, back.portPreservation], ['napt', false]);
  });

  const errors: { name: string; opts: NatOptions; message: RegExp }[] = [
    { name: 'range lo > hi', opts: { portRange: [2000, 1000] }, message: /2000-1000 is empty: lo 2000 > hi 1000/ },
    { name: 'range above 65535', opts: { portRange: [1024, 70000] }, message: /70000 is not a port 1-65535/ },
    { name: 'range 0', opts: { portRange: [0, 10] }, message: /0 is not a port/ },
    { name: 'zero lifetime', opts: { lifetime: 0 }, message: /must be longer than 0/ },
    { name: 'zero TCP established timeout', opts: { tcpEstablished: '0s' }, message: /NAT tcpEstablished timeout 0s must be longer than 0 \(RFC 5382 REQ-5 asks at least 2h4m\)/ },
    { name: 'bad TCP transitory timeout', opts: { tcpTransitory: 'later' }, message: /NAT tcpTransitory timeout "later" is not a duration/ },
    { name: 'bad duration', opts: { lifetime: 'soon' }, message: /not a duration/ },
    { name: 'bad behaviour', opts: { mapping: 'x' as never }, message: /mapping behaviour "x"/ },
    { name: 'bad preset', opts: { preset: 'cone' as never }, message: /NAT preset "cone"/ },
    { name: 'maxMappings 0', opts: { maxMappings: 0 }, message: /at least 1/ },
    { name: 'mapping on 1to1', opts: { preset: '1to1', mapping: 'apd' }, message: /do not apply to a 1to1/ },
    { name: 'bad pair address', opts: { preset: '1to1', pairs: { '203.0.113': '10.0.0.1' } }, message: /"203.0.113" is not an IPv4/ },
    { name: 'internal paired twice', opts: { preset: '1to1', pairs: { '203.0.113.1': '10.0.0.1', '203.0.113.2': '10.0.0.1' } }, message: /paired twice/ },
  ];
  for (const c of errors) {
    it(`EINVAL: ${c.name}`, () => assert.throws(() => normalizeNat(c.opts), { code: 'EINVAL', message: c.message }));
  }
});

describe('describeNat', () => {
  const cases: { opts: NatOptions; want: string }[] = [
    { opts: {}, want: 'port-restricted (EIM/APDF) hairpin lifetime 5m' },
    { opts: { preset: 'symmetric', lifetime: '2m', hairpin: false }, want: 'symmetric (APDM/APDF) no-hairpin lifetime 2m' },
    { opts: { mapping: 'ad', filtering: 'ei', portPreservation: true, portRange: [40000, 40003], allocation: 'random' }, want: 'ADM/EIF hairpin lifetime 5m port-preservation ports 40000-40003 random ports' },
    { opts: { tcpEstablished: '3h', tcpTransitory: '1m' }, want: 'port-restricted (EIM/APDF) hairpin lifetime 5m tcp 3h/1m' },
    { opts: { preset: '1to1', pairs: { '1.2.3.4': '10.0.0.1' } }, want: '1to1 (EIM/EIF, ports unchanged) hairpin 1 static pair' },
  ];
  for (const c of cases) {
    it(c.want, () => {
      const got = describeNat(normalizeNat(c.opts)!);
      assert.equal(got, c.want, `got "${got}", want "${c.want}"`);
    });
  }
  it('DEFAULT_NAT is frozen', () => assert.ok(Object.isFrozen(DEFAULT_NAT)));
});
