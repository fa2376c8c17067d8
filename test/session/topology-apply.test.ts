// `topology.apply`: a file builds the network, a second apply changes nothing, NAT and delay change
// in place, dry runs touch nothing, and the file's clock and seed are only noted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouterView } from '../../src/session/views.js';
import { apply, BASE, ctx, errorOf, eventCount, exportYaml, newSession, statusText } from '../fixtures/topology/helpers.js';

test('a valid file builds routers, hosts, filters and names', () => {
  const s = newSession();
  const summary = apply(s, BASE);
  assert.deepEqual(summary.created.routers, ['internet', 'home']);
  assert.deepEqual(summary.created.hosts, ['alice', 'server']);
  assert.deepEqual(summary.created.dns, ['server.example 198.51.100.7']);
  assert.equal(summary.created.filters.length, 1);
  assert.equal(summary.dryRun, false);

  const home = s.net.router('home');
  assert.equal(home.cidr.toString(), '192.168.1.0/24');
  assert.deepEqual((s.call('router.show', { name: 'home' }, ctx) as RouterView).uplink, ['203.0.113.10']);
  assert.equal(s.net.host('alice').ip, '192.168.1.10');
  const filters = s.net.filters.list();
  assert.equal(filters.length, 1);
  assert.equal(filters[0].iface, 'home/uplink');
  assert.equal(filters[0].spec.lossProbability, 0.02);
  assert.equal(filters[0].spec.delayNs, 30_000_000);
  assert.equal(s.net.host('alice').resolve('server.example'), s.net.host('server').addresses[0]);
});

test('a child router parent listed after it, and a host on a router made by the same file', () => {
  const s = newSession();
  apply(s, `routers:
  - { name: office, parent: isp, cidr: 10.1.0.0/24 }
  - { name: isp, parent: internet, cidr: 100.64.0.0/16, nat: none }
  - { name: internet, cidr: 0.0.0.0/0 }
hosts:
  - { name: pc, router: office }
`);
  assert.equal(s.net.router('office').parent?.name, 'isp');
  assert.equal(s.net.router('isp').natConfig, null);
  assert.equal(s.net.host('pc').routerName, 'office');
});

test('an empty file is an empty topology', () => {
  const s = newSession();
  const before = statusText(s);
  const summary = apply(s, '# nothing here yet\n');
  assert.deepEqual(summary.created, { routers: [], hosts: [], dns: [], filters: [], captures: [] });
  assert.equal(statusText(s), before);
  assert.deepEqual(apply(s, '').created.routers, []);
});

test('JSON is read as well as YAML', () => {
  const s = newSession();
  apply(s, JSON.stringify({ routers: [{ name: 'internet', cidr: '0.0.0.0/0' }], hosts: [{ name: 'h', router: 'internet', ips: ['198.51.100.9'] }] }), { fileName: 'topo.json' });
  assert.equal(s.net.host('h').ip, '198.51.100.9');
});

test('applying the same file twice changes nothing the second time', () => {
  const s = newSession();
  apply(s, BASE);
  const before = statusText(s);
  const events = eventCount(s);
  const second = apply(s, BASE);
  assert.deepEqual(second.created, { routers: [], hosts: [], dns: [], filters: [], captures: [] });
  assert.deepEqual(second.changed, { routers: [], hosts: [], dns: [], filters: [], captures: [] });
  assert.deepEqual(second.unchanged.routers, ['internet', 'home']);
  assert.deepEqual(second.unchanged.hosts, ['alice', 'server']);
  assert.equal(second.unchanged.filters.length, 1);
  assert.deepEqual(second.changes, []);
  assert.equal(statusText(s), before);
  assert.equal(eventCount(s), events, 'a second apply emits no events');
});

test('hosts without addresses match the addresses they were given', () => {
  const s = newSession();
  const file = 'routers:\n  - { name: internet, cidr: 0.0.0.0/0 }\nhosts:\n  - { name: a, router: internet }\n';
  apply(s, file);
  const ip = s.net.host('a').ip;
  assert.deepEqual(apply(s, file).unchanged.hosts, ['a']);
  assert.equal(s.net.host('a').ip, ip);
});

test('a router whose NAT, delay, queue or ICMP rate limit differ is changed in place', () => {
  const s = newSession();
  apply(s, BASE);
  const changed = apply(s, BASE.replace('uplink: { ips: [203.0.113.10] } }', 'uplink: { ips: [203.0.113.10] }, nat: { preset: symmetric, lifetime: 2m }, minDelay: 5ms, queueSize: 64, icmpRatelimit: 0 }'));
  assert.deepEqual(changed.changed.routers, ['home']);
  assert.deepEqual(changed.created.routers, []);
  const home = s.net.router('home');
  assert.equal(home.natConfig?.mapping, 'apd');
  assert.equal(home.natConfig?.filtering, 'apd');
  assert.equal(home.natConfig?.lifetimeNs, 120e9);
  assert.equal(home.minDelayNs, 5e6);
  assert.equal(home.queueSize, 64);
  assert.ok(changed.changes.some((c) => /^router home: nat port-restricted .* → symmetric .*lifetime 2m/.test(c)), changed.changes.join('\n'));
  assert.ok(changed.changes.includes('router home: min-delay 0s → 5ms'), changed.changes.join('\n'));
  assert.ok(changed.changes.includes('router home: icmp-ratelimit 1s → 0s'), changed.changes.join('\n'));
  assert.equal(home.icmpLimiter.intervalNs, 0);

  // Back to the file without NAT options: the default (port-restricted, 5 min) again, not the 2 min kept.
  const back = apply(s, BASE);
  assert.deepEqual(back.changed.routers, ['home']);
  assert.equal(home.natConfig?.mapping, 'ei');
  assert.equal(home.natConfig?.lifetimeNs, 300e9);
  assert.equal(home.minDelayNs, 0);
  assert.equal(home.queueSize, 1024);
  assert.equal(home.icmpLimiter.intervalNs, 1e9);
});

test('a NAT turned off becomes a routed hop', () => {
  const s = newSession();
  apply(s, BASE);
  apply(s, BASE.replace('uplink: { ips: [203.0.113.10] } }', 'uplink: { ips: [203.0.113.10] }, nat: none }'));
  assert.equal(s.net.router('home').natConfig, null);
  assert.equal((s.call('router.show', { name: 'home' }, ctx) as RouterView).nat, 'none');
});

test('a dry run reports what would change and changes nothing', () => {
  const s = newSession();
  const before = statusText(s);
  const dry = apply(s, BASE, { dryRun: true });
  assert.equal(dry.dryRun, true);
  assert.deepEqual(dry.created.routers, ['internet', 'home']);
  assert.deepEqual(dry.created.hosts, ['alice', 'server']);
  assert.equal(statusText(s), before);
  assert.equal(eventCount(s), 0);

  apply(s, BASE);
  const built = statusText(s);
  const dryChange = apply(s, BASE.replace('cidr: 192.168.1.0/24,', 'cidr: 192.168.1.0/24, nat: full-cone,'), { dryRun: true });
  assert.deepEqual(dryChange.changed.routers, ['home']);
  assert.equal(statusText(s), built);
  assert.equal(s.net.router('home').natConfig?.filtering, 'apd');
});

test('filters: the same filter is left alone, a new one is added at the end', () => {
  const s = newSession();
  apply(s, BASE);
  const more = apply(s, `${BASE.replace('dns:', '  - { on: home/uplink, rate: 4mbit }\ndns:')}`);
  assert.equal(more.unchanged.filters.length, 1);
  assert.deepEqual(more.created.filters, ['home/uplink egress rate 4mbit burst 5000b']);
  assert.deepEqual(s.net.filters.list().map((f) => f.description), ['egress loss 2% delay 30ms', 'egress rate 4mbit burst 5000b']);
});

test('a name given another address is changed', () => {
  const s = newSession();
  apply(s, BASE);
  const r = apply(s, BASE.replace('server.example: 198.51.100.7', 'server.example: 198.51.100.8'));
  assert.deepEqual(r.changed.dns, ['server.example 198.51.100.8']);
  assert.deepEqual(r.changes, ['dns server.example: 198.51.100.7 → 198.51.100.8']);
  assert.equal(s.net.names().find((n) => n.name === 'server.example')?.ip, '198.51.100.8');
});

test('nothing absent from the file is removed', () => {
  const s = newSession();
  apply(s, BASE);
  s.call('host.add', { name: 'bob', router: 'home' }, ctx);
  apply(s, BASE);
  assert.equal(s.net.host('bob').routerName, 'home');
});

test('clock and seed in the file are ignored by apply, with a note when they differ', () => {
  const s = newSession(1);
  const same = apply(s, `clock: virtual\nseed: 1\n${BASE}`);
  assert.deepEqual(same.notes, []);
  const other = apply(s, `clock: real\nseed: 9\n${BASE}`);
  assert.equal(other.notes.length, 2);
  assert.match(other.notes[0], /real clock .* virtual clock; apply ignores clock/);
  assert.match(other.notes[1], /seed 9 .* seed 1; apply ignores seed/);
  assert.equal(s.clockKind, 'virtual');
});

test('export after apply gives the file back in the exporter\'s words', () => {
  const s = newSession();
  apply(s, BASE);
  const yaml = exportYaml(s);
  assert.match(yaml, /- \{ name: home, parent: internet, cidr: 192\.168\.1\.0\/24, uplink: \{ ips: \[ 203\.0\.113\.10 \] \} \}/);
  assert.match(yaml, /- \{ on: home\/uplink, loss: 2%, delay: 30ms \}/);
  assert.match(yaml, /dns:\n {2}server\.example: 198\.51\.100\.7/);
});

test('captures start, their files relative to the file\'s directory; the same one is left alone; a later failure stops the new ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-topo-captures-'));
  const s = newSession();
  const running = (): string[] => s.captures.list().filter((c) => c.state === 'running').map((c) => c.file ?? '-');
  try {
    const file = `${BASE}captures:\n  - { on: [home/uplink], file: up.pcapng }\n`;
    const first = apply(s, file, { baseDir: dir });
    assert.deepEqual(first.created.captures, ['up.pcapng']);
    assert.deepEqual(running(), [join(dir, 'up.pcapng')]);
    assert.ok(existsSync(join(dir, 'up.pcapng')));

    const again = apply(s, file, { baseDir: dir });
    assert.deepEqual(again.created.captures, []);
    assert.deepEqual(again.unchanged.captures, ['up.pcapng']);
    assert.deepEqual(running(), [join(dir, 'up.pcapng')]);

    // The second new capture cannot open its file: the new host and the first new capture are undone.
    const more = `${file.replace('hosts:\n', 'hosts:\n  - { name: bob, router: home }\n')}  - { on: [alice], file: alice.pcapng }\n  - { on: [server], file: missing/server.pcapng }\n`;
    const err = errorOf(() => apply(s, more, { baseDir: dir }));
    assert.match(err.message, /^topo\.yaml:\d+: captures\[2\]: .*missing/);
    assert.equal(s.net.hostNamed('bob'), undefined);
    assert.deepEqual(running(), [join(dir, 'up.pcapng')]);
  } finally {
    s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
