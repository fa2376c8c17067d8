// The topology and impairment commands through the real CLI: each flag reaches the session as documented.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CliSandbox } from './cli-helpers.js';

const box = new CliSandbox();
after(() => box.cleanup());
const S = ['--session', 'cmds'];

interface RouterView {
  name: string; cidr: string; gateway: string; uplink: string[]; nat: string; minDelayNs: number; maxJitterNs: number; queueSize: number; icmpRatelimitNs: number;
  natConfig: { mapping: string; filtering: string; hairpin: boolean; portPreservation: boolean; lifetimeNs: number; portRange: number[]; allocation: string; inboundRefresh: boolean } | null;
  interfaces: { name: string; mtu: number; vlan: number[]; mac: string; addresses: string[] }[];
}

before(async () => {
  await box.ok(['up', '--clock', 'virtual', ...S]);
  await box.ok(['router', 'add', 'internet', '--cidr', '0.0.0.0/0', ...S]);
});

test('router add: every flag lands in router show; router ls lists it', async () => {
  await box.ok(['router', 'add', 'home', '--parent', 'internet', '--cidr', '192.168.1.0/24', '--ip', '203.0.113.10', '--ip', '203.0.113.11',
    '--gateway', '192.168.1.254', '--mapping', 'ei', '--filtering', 'ad', '--no-hairpin', '--port-preservation', '--mapping-lifetime', '2m',
    '--inbound-refresh', '--port-range', '20000-30000', '--allocation', 'random', '--min-delay', '5ms', '--max-jitter', '2ms',
    '--queue-size', '64', '--mtu', '1400', '--vlan', '100,200', '--icmp-ratelimit', '250ms', ...S]);
  const r = await box.json<RouterView>(['router', 'show', 'home', ...S]);
  assert.equal(r.icmpRatelimitNs, 250e6);
  assert.match((await box.run(['router', 'show', 'home', ...S])).stdout, /icmp +errors 1 per 250ms per destination, bursts of 6; 0 held back/);
  assert.deepEqual([r.cidr, r.gateway, r.uplink], ['192.168.1.0/24', '192.168.1.254', ['203.0.113.10', '203.0.113.11']]);
  assert.deepEqual(
    [r.natConfig!.mapping, r.natConfig!.filtering, r.natConfig!.hairpin, r.natConfig!.portPreservation, r.natConfig!.lifetimeNs, r.natConfig!.portRange, r.natConfig!.allocation, r.natConfig!.inboundRefresh],
    ['ei', 'ad', false, true, 120e9, [20000, 30000], 'random', true],
  );
  assert.deepEqual([r.minDelayNs, r.maxJitterNs, r.queueSize], [5e6, 2e6, 64]);
  for (const i of r.interfaces) assert.deepEqual([i.mtu, i.vlan], [1400, [100, 200]], i.name);
  assert.deepEqual((await box.json<RouterView[]>(['router', 'ls', ...S])).map((x) => x.name), ['internet', 'home']);
});

test('nat set: a preset, then single behaviours; --nat none makes a routed hop', async () => {
  await box.ok(['router', 'add', 'office', '--parent', 'internet', '--cidr', '10.20.0.0/16', ...S]);
  assert.match((await box.json<RouterView>(['router', 'show', 'office', ...S])).nat, /EIM\/APDF/, 'a child router defaults to port-restricted');
  let r = await box.json<RouterView>(['nat', 'set', 'office', '--nat', 'symmetric', '--mapping-lifetime', '30s', ...S]);
  assert.deepEqual([r.natConfig!.mapping, r.natConfig!.filtering, r.natConfig!.lifetimeNs], ['apd', 'apd', 30e9]);
  r = await box.json<RouterView>(['nat', 'set', 'office', '--filtering', 'ei', ...S]);
  assert.deepEqual([r.natConfig!.mapping, r.natConfig!.filtering], ['apd', 'ei'], 'one behaviour changes, the other stays');
  r = await box.json<RouterView>(['nat', 'set', 'office', '--nat', 'none', ...S]);
  assert.equal(r.natConfig, null);
  const bad = await box.run(['nat', 'set', 'nowhere', '--nat', 'symmetric', ...S]);
  assert.equal(bad.code, 2);
});

test('host add: several addresses and a MAC; host show and host ls', async () => {
  await box.ok(['host', 'add', 'multi', '--router', 'home', '--ip', '192.168.1.20', '--ip', '192.168.1.21', '--mac', '02:00:00:00:00:14', ...S]);
  const h = await box.json<{ ips: string[]; router: string; interfaces: { mac: string }[] }>(['host', 'show', 'multi', ...S]);
  assert.deepEqual([h.ips, h.router, h.interfaces[0].mac], [['192.168.1.20', '192.168.1.21'], 'home', '02:00:00:00:00:14']);
  assert.deepEqual((await box.json<{ name: string }[]>(['host', 'ls', ...S])).map((x) => x.name), ['multi']);
});

test('filter add/change/ls/rm: flags become the filter\'s spec; change merges into it; rm removes it', async () => {
  const f = await box.json<{ id: number; iface: string; direction: string; description: string }>(['filter', 'add', 'home/uplink', '--ingress',
    '--loss', '2%', '--delay', '30ms', '--jitter', '5ms', '--rate', '4mbit', '--burst', '32kb', '--queue', '64kb', '--overhead', '24', '--seed', '7', ...S]);
  assert.deepEqual([f.iface, f.direction], ['home/uplink', 'ingress']);
  for (const part of ['loss 2%', 'delay 30ms±5ms', 'rate 4mbit', 'burst 32kb', 'queue 64kb', 'overhead 24', 'seed 7']) assert.ok(f.description.includes(part), `${part} in "${f.description}"`);
  const g = await box.json<{ description: string }>(['filter', 'change', String(f.id), '--loss-model', 'gemodel:1,10', '--drop-match', 'udp and dst port 53',
    '--rate', '1mbit', '--overhead', '-14', ...S]);
  assert.match(g.description, /gemodel.* rate 1mbit burst 32kb queue 64kb overhead -14/, 'a burst given before stays');
  assert.match(g.description, /delay 30ms±5ms/, 'change keeps what it was not given');
  assert.doesNotMatch(g.description, /loss 2%/, '--loss-model replaces --loss');
  const h = await box.json<{ description: string }>(['filter', 'change', String(f.id), '--unset', 'delay', '--unset', 'jitter', ...S]);
  assert.doesNotMatch(h.description, /delay/, '--unset removes a setting');
  assert.deepEqual((await box.json<{ id: number }[]>(['filter', 'ls', 'home/uplink', ...S])).map((x) => x.id), [f.id]);
  await box.ok(['filter', 'rm', String(f.id), ...S]);
  assert.deepEqual(await box.json(['filter', 'ls', ...S]), []);
  assert.equal((await box.run(['filter', 'rm', String(f.id), ...S])).code, 2);
});

test('dns add/ls/rm: a name under a router; rm of an unknown name is exit 2', async () => {
  await box.ok(['dns', 'add', 'server.example', '198.51.100.7', '--router', 'home', ...S]);
  const names = await box.json<{ name: string; ip: string; router: string; auto: boolean }[]>(['dns', 'ls', ...S]);
  assert.ok(names.some((n) => n.name === 'server.example' && n.ip === '198.51.100.7' && n.router === 'home' && !n.auto));
  await box.ok(['dns', 'rm', 'server.example', ...S]);
  assert.ok(!(await box.json<{ name: string }[]>(['dns', 'ls', ...S])).some((n) => n.name === 'server.example'));
  const r = await box.run(['dns', 'rm', 'server.example', ...S]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /dns ls/);
});

test('clock show on a virtual clock; host rm and router rm (scripts are not asked)', async () => {
  assert.deepEqual(await box.json(['clock', 'show', ...S]), { kind: 'virtual', timeNs: 0 });
  assert.deepEqual((await box.json<{ removed: string[] }>(['host', 'rm', 'multi', ...S])).removed, ['multi']);
  await box.ok(['router', 'rm', 'home', ...S]);
  assert.deepEqual((await box.json<{ name: string }[]>(['router', 'ls', ...S])).map((x) => x.name), ['internet', 'office']);
  await box.ok(['down', ...S]);
});
