// `nat.probe` against every NAT the engine can be set to: the nine mapping x filtering pairs with
// hairpinning and port preservation on and off, and every preset. The report must say exactly what
// was configured (as seen from outside), and the binding lifetime found must be the configured one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeNat, type Behavior, type NatConfig, type NatOptions } from '../../src/engine/nat/config.js';
import type { NatPresetName } from '../../src/engine/nat/config.js';
import { Session } from '../../src/session/session.js';
import type { NatProbeResult } from '../../src/session/stun-methods.js';

const ctx = { signal: new AbortController().signal, emit: () => {} };

function session(nat: NatPresetName | NatOptions, clock: 'virtual' | 'real' = 'virtual'): Session {
  const s = new Session({ clock, seed: 7 });
  const call = (m: string, p: unknown): unknown => s.call(m, p, ctx);
  call('router.add', { name: 'internet', cidr: '0.0.0.0/0' });
  call('router.add', { name: 'home', parent: 'internet', cidr: '192.168.1.0/24', uplink: { ips: ['203.0.113.1'] }, nat });
  call('host.add', { name: 'alice', router: 'home' });
  call('stun.add', { name: 'stun1', router: 'internet', ip: '198.51.100.10', altIp: '198.51.100.11' });
  return s;
}

async function probe(s: Session, extra: Record<string, unknown> = {}): Promise<NatProbeResult> {
  return (await s.call('nat.probe', { host: 'alice', stun: 'stun1', ...extra }, ctx)) as NatProbeResult;
}

/** What a probe from outside must find for a NAT config (null: no NAT). */
function observable(cfg: NatConfig | null): Pick<NatProbeResult, 'nat' | 'mapping' | 'filtering' | 'hairpin' | 'portPreservation' | 'lifetimeNs'> {
  if (cfg === null) return { nat: false, mapping: 'ei', filtering: 'ei', hairpin: true, portPreservation: null, lifetimeNs: null };
  const oneToOne = cfg.mode === '1to1';
  // Linux's per-flow state keeps the port when it can (EIM as seen from outside) or picks one per flow.
  const mapping: Behavior = oneToOne ? 'ei' : cfg.portOverloading ? (cfg.portPreservation ? 'ei' : 'apd') : cfg.mapping;
  const filtering: Behavior = oneToOne ? 'ei' : cfg.filtering;
  return {
    nat: true, mapping, filtering,
    hairpin: mapping === 'ei' || filtering === 'ei' || (filtering === 'ad' && cfg.portPreservation) ? cfg.hairpin : null,
    portPreservation: cfg.portPreservation,
    lifetimeNs: oneToOne ? null : cfg.lifetimeNs,
  };
}

function check(r: NatProbeResult, cfg: NatConfig | null, label: string): void {
  const want = observable(cfg);
  const got = { nat: r.nat, mapping: r.mapping, filtering: r.filtering, hairpin: r.hairpin, portPreservation: r.portPreservation, lifetimeNs: r.lifetimeNs };
  assert.deepEqual(got, want, `${label}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  if (r.hairpin) assert.equal(r.hairpinSource, cfg === null ? 'internal' : 'external', `${label}: hairpin source (RFC 4787 REQ-9a)`);
  assert.deepEqual(r.mismatches, []);
}

const BEHAVIOURS: Behavior[] = ['ei', 'ad', 'apd'];
const LIFETIMES = ['20s', '30s', '47s', '2m', '5m', '90s'];

test('nine mapping x filtering pairs, hairpin on/off, port preservation on/off: the probe reports the configuration and its lifetime', async () => {
  let i = 0;
  for (const mapping of BEHAVIOURS) {
    for (const filtering of BEHAVIOURS) {
      for (const hairpin of [true, false]) {
        for (const portPreservation of [true, false]) {
          const lifetime = LIFETIMES[i++ % LIFETIMES.length];
          const opts: NatOptions = { mapping, filtering, hairpin, portPreservation, lifetime };
          const s = session(opts);
          try {
            check(await probe(s), normalizeNat(opts), JSON.stringify(opts));
          } finally {
            s.close();
          }
        }
      }
    }
  }
});

test('every preset (hairpin on and off) is reported as it behaves; --expect of the preset agrees', async () => {
  const presets: NatPresetName[] = ['full-cone', 'restricted-cone', 'port-restricted', 'symmetric', '1to1', 'linux', 'linux-random'];
  for (const preset of presets) {
    for (const hairpin of [true, false]) {
      const opts: NatOptions = { preset, hairpin };
      const s = session(opts);
      try {
        // An explicit expectation overrides the preset's (Linux has no hairpinning unless told).
        const seen = observable(normalizeNat(opts)).hairpin;
        const r = await probe(s, { expect: preset, ...(seen !== null ? { hairpin: seen } : {}) });
        check(r, normalizeNat(opts), `${preset} hairpin ${hairpin}`);
      } finally {
        s.close();
      }
    }
  }
  const s = session('none');
  try {
    check(await probe(s, { expect: 'none' }), null, 'none');
  } finally {
    s.close();
  }
});

test('expectations that differ are listed one per line; the lifetime can be expected too', async () => {
  const s = session({ preset: 'port-restricted', lifetime: '45s', hairpin: false });
  try {
    const r = await probe(s, { expect: 'symmetric', hairpin: true, lifetime: '45s' });
    assert.deepEqual(r.mismatches, [
      'mapping: expected apd (--expect symmetric), probed ei',
      'hairpin: expected true (--expect symmetric), probed false',
    ]);
    const r2 = await probe(s, { mapping: 'ei', filtering: 'apd', lifetime: '1m', portPreservation: false });
    assert.deepEqual(r2.mismatches, ['binding lifetime: expected 1m, probed 45s']);
    assert.equal(r2.legacy, 'port-restricted');
    const r3 = await probe(s, { skipLifetime: true });
    assert.equal(r3.lifetimeNs, null);
    assert.match(r3.lifetime, /not measured/);
  } finally {
    s.close();
  }
});

test('the probe moves a virtual clock only by its waits; the lifetime bisection runs on a copy (the live clock stays)', async () => {
  const s = session({ preset: 'symmetric', lifetime: '5m' });
  try {
    const r = await probe(s);
    assert.equal(s.net.now(), r.elapsedNs);
    assert.ok(r.elapsedNs < 5e9, `elapsed ${r.elapsedNs} ns`);
    assert.equal(r.lifetimeNs, 300e9);
    // What the probe left: its mappings in the live NAT, no socket on alice.
    assert.equal(s.net.host('alice').ports.size, 0);
  } finally {
    s.close();
  }
});

test('a real-clock session: the probe answers within a bounded wall time, lifetime from the virtual copy', async () => {
  const s = session({ preset: 'restricted-cone', lifetime: '2m' }, 'real');
  try {
    const t0 = process.hrtime.bigint();
    const r = await probe(s, { timeout: '300ms' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    check(r, normalizeNat({ preset: 'restricted-cone', lifetime: '2m' }), 'real clock');
    assert.ok(ms < 10_000, `took ${ms} ms`);
  } finally {
    s.close();
  }
});

test('errors: a one-address server, an unknown server, an unreachable one', async () => {
  const s = session('full-cone');
  try {
    s.call('stun.add', { name: 'plain', router: 'internet', ip: '198.51.100.20' }, ctx);
    await assert.rejects(probe(s, { stun: 'plain' }), /has one address; RFC 5780's tests need two/);
    await assert.rejects(probe(s, { stun: 'nope' }), /no STUN server named "nope"/);
    s.call('filter.add', { on: 'home/uplink', dropMatch: 'udp' }, ctx);
    await assert.rejects(probe(s), (e: Error & { code?: string }) => e.code === 'ETIMEDOUT' && /T1: no answer from STUN server stun1 at 198\.51\.100\.10:3478/.test(e.message));
  } finally {
    s.close();
  }
});
