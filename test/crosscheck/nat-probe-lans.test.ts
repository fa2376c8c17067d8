// Where STUN and `nat probe` meet routers with several LANs: a probe from a host on lan2 of a NAT
// router (which also runs NAT-PMP and multicast forwarding) reports the configured behaviour, the same
// as a probe from its first LAN, lifetime included (measured on a copy made from the export).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NatOptions } from '../../src/engine/nat/config.js';
import { Session } from '../../src/session/session.js';
import type { NatProbeResult } from '../../src/session/stun-methods.js';

const ctx = { signal: new AbortController().signal, emit: () => {} };

function session(nat: NatOptions): Session {
  const s = new Session({ clock: 'virtual', seed: 3 });
  const call = (m: string, p: unknown): unknown => s.call(m, p, ctx);
  call('router.add', { name: 'internet', cidr: '0.0.0.0/0' });
  call('router.add', { name: 'home', parent: 'internet', cidr: '192.168.1.0/24', uplink: { ips: ['203.0.113.1'] }, nat, multicast: { forwarding: true } });
  call('router.iface.add', { router: 'home', cidr: '192.168.2.0/24' });
  call('natpmp.enable', { router: 'home', pcp: true });
  call('host.add', { name: 'alice', router: 'home' });
  call('host.add', { name: 'bob', router: 'home', lan: 'lan2' });
  call('stun.add', { name: 'stun1', router: 'internet', ip: '198.51.100.10', altIp: '198.51.100.11' });
  return s;
}

const CASES: { nat: NatOptions; want: Partial<NatProbeResult> }[] = [
  { nat: { preset: 'port-restricted', lifetime: '47s' }, want: { mapping: 'ei', filtering: 'apd', hairpin: true, lifetimeNs: 47e9 } },
  { nat: { preset: 'symmetric', hairpin: false, lifetime: '2m' }, want: { mapping: 'apd', filtering: 'apd', lifetimeNs: 120e9 } },
  { nat: { preset: 'full-cone', hairpin: true, lifetime: '30s' }, want: { mapping: 'ei', filtering: 'ei', hairpin: true, lifetimeNs: 30e9 } },
  { nat: { mapping: 'ei', filtering: 'ad', hairpin: false, lifetime: '90s' }, want: { mapping: 'ei', filtering: 'ad', hairpin: false, lifetimeNs: 90e9 } },
];

test('nat probe from a host on lan2 reports the router\'s configured NAT, as one from lan does', async () => {
  for (const { nat, want } of CASES) {
    const s = session(nat);
    try {
      const fromLan2 = (await s.call('nat.probe', { host: 'bob', stun: 'stun1' }, ctx)) as NatProbeResult;
      const picked = Object.fromEntries(Object.keys(want).map((k) => [k, fromLan2[k as keyof NatProbeResult]]));
      assert.deepEqual(picked, want, JSON.stringify(nat));
      assert.equal(fromLan2.nat, true);
      assert.deepEqual(fromLan2.mismatches, []);
      if (fromLan2.hairpin) assert.equal(fromLan2.hairpinSource, 'external', 'hairpinned from the external address (RFC 4787 REQ-9a)');
      const fromLan = (await s.call('nat.probe', { host: 'alice', stun: 'stun1' }, ctx)) as NatProbeResult;
      for (const k of ['mapping', 'filtering', 'hairpin', 'portPreservation', 'lifetimeNs'] as const) {
        assert.deepEqual(fromLan[k], fromLan2[k], `${JSON.stringify(nat)} ${k}`);
      }
    } finally {
      s.close();
    }
  }
});

test('a binding request from lan2 comes back with the uplink address as XOR-MAPPED-ADDRESS in every step', async () => {
  const s = session({ preset: 'port-restricted' });
  try {
    const r = (await s.call('nat.probe', { host: 'bob', stun: 'stun1', skipLifetime: true }, ctx)) as NatProbeResult;
    assert.equal(r.nat, true);
    assert.equal(r.lifetimeNs, null);
    assert.match(r.local, /^192\.168\.2\.2:\d+$/);
    assert.match(r.mapped, /^203\.0\.113\.1:\d+$/);
    assert.ok(r.steps.length >= 5);
    for (const step of r.steps) if (step.mapped !== undefined) assert.match(step.mapped, /^203\.0\.113\.1:/, step.test);
  } finally {
    s.close();
  }
});
