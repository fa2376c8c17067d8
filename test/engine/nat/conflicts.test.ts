// NAT options that contradict the preset given with them are refused (EINVAL), from the CLI
// flags, the library and topology files alike; options that agree with it are fine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { natOptionsFrom } from '../../../src/cli/nat-flags.js';
import { Network } from '../../../src/engine/network.js';
import { normalizeNat, type NatOptions } from '../../../src/engine/nat/config.js';
import { apply, errorOf, newSession } from '../../fixtures/topology/helpers.js';

const CONFLICTS: { name: string; options: NatOptions; says: RegExp }[] = [
  { name: 'symmetric with EI mapping', options: { preset: 'symmetric', mapping: 'ei' }, says: /^--nat symmetric means mapping apd, but --mapping ei was given too; drop one, or use a preset with mapping ei \(full-cone, restricted-cone, port-restricted\)$/ },
  { name: 'full-cone with APD filtering', options: { preset: 'full-cone', filtering: 'apd' }, says: /--nat full-cone means filtering ei, but --filtering apd/ },
  { name: 'none with a mapping', options: { preset: 'none', mapping: 'ei' }, says: /^--nat none turns NAT off, so --mapping has nothing to set; drop --mapping, or pick a NAT preset$/ },
  { name: 'none with a port range', options: { preset: 'none', portRange: [2000, 3000] }, says: /--nat none turns NAT off, so --port-range has nothing to set/ },
  { name: 'none with two options', options: { preset: 'none', hairpin: false, lifetime: '30s' }, says: /so --hairpin, --mapping-lifetime have nothing to set/ },
];

for (const c of CONFLICTS) {
  test(`NAT conflict refused: ${c.name}`, () => {
    const err = errorOf(() => normalizeNat(c.options));
    assert.equal(err.code, 'EINVAL');
    assert.match(err.message, c.says);
    const net = new Network();
    net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
    assert.match(errorOf(() => net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', nat: c.options })).message, c.says);
    assert.equal(net.routers.length, 1, 'the router was not added');
  });
}

test('options that agree with the preset, or come without one, are accepted', () => {
  assert.equal(normalizeNat({ preset: 'symmetric', mapping: 'apd', filtering: 'apd' })?.mapping, 'apd');
  assert.equal(normalizeNat({ preset: 'symmetric', hairpin: false })?.hairpin, false);
  assert.equal(normalizeNat({ mapping: 'apd' })?.filtering, 'apd', 'without a preset: the default NAT changed');
  assert.equal(normalizeNat({ preset: 'none' }), null);
});

test('the CLI flags: --nat none --port-range and --nat symmetric --mapping ei are refused before anything is sent', () => {
  assert.throws(() => natOptionsFrom({ nat: 'none', 'port-range': '2000-3000' }, 'port-restricted'), /--nat none turns NAT off, so --port-range/);
  assert.throws(() => natOptionsFrom({ nat: 'symmetric', mapping: 'ei' }), /--nat symmetric means mapping apd, but --mapping ei/);
  assert.deepEqual(natOptionsFrom({ mapping: 'apd' }, 'port-restricted'), { mapping: 'apd' }, '--mapping alone changes the default NAT, no conflict');
  assert.equal(natOptionsFrom({}, 'port-restricted'), 'port-restricted');
});

test('a topology file with a contradicting NAT names the file, line and path', () => {
  const s = newSession();
  const err = errorOf(() => apply(s, 'routers:\n  - { name: internet, cidr: 0.0.0.0/0 }\n  - { name: home, parent: internet, cidr: 192.168.1.0/24, nat: { preset: none, portRange: [2000, 3000] } }\n'));
  assert.equal(err.code, 'EINVAL');
  assert.match(err.message, /^topo\.yaml:3: routers\[1\]\.nat: --nat none turns NAT off, so --port-range has nothing to set/);
});
