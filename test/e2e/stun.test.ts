// STUN through the real CLI: `vnet stun add|ls|rm`, `vnet nat probe` (exit 1 and one line per
// difference, --json), the topology file round trip, and a real STUN client (coturn's
// turnutils_stunclient) mapped in with `vnet map` learning the NAT's external mapping.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CliSandbox, killGroup } from './cli-helpers.js';
import { freePort, requireTool, waitFor } from './real-programs.js';

const box = new CliSandbox();
after(() => box.cleanup());

async function build(session: string, clock: 'virtual' | 'real', nat: string[]): Promise<void> {
  const S = ['--session', session];
  await box.ok(['up', '--clock', clock, ...S]);
  for (const args of [
    ['router', 'add', 'internet', '--cidr', '0.0.0.0/0'],
    ['router', 'add', 'home', '--parent', 'internet', '--cidr', '192.168.1.0/24', '--ip', '203.0.113.1', ...nat],
    ['host', 'add', 'alice', '--router', 'home'],
    ['stun', 'add', 'stun1', '--router', 'internet', '--ip', '198.51.100.10', '--alt-ip', '198.51.100.11'],
  ]) await box.ok([...args, ...S]);
}

test('stun add/ls/rm, nat probe text, --expect agreeing (exit 0) and disagreeing (exit 1, one line per difference), --json', async () => {
  const S = ['--session', 'probe'];
  await build('probe', 'virtual', ['--nat', 'restricted-cone', '--no-hairpin', '--mapping-lifetime', '40s']);
  assert.match(await box.ok(['stun', 'ls', ...S]), /stun1 +internet +198\.51\.100\.10:3478 +198\.51\.100\.11:3479 +yes/);
  const text = await box.ok(['nat', 'probe', '--host', 'alice', '--stun', 'stun1', '--expect', 'restricted-cone', '--no-hairpin', '--lifetime', '40s', ...S]);
  assert.match(text, /mapping +ei \(endpoint-independent\)/);
  assert.match(text, /filtering +ad \(address-dependent\)\n +RFC 3489 name +restricted cone\n/);
  assert.match(text, /hairpinning +no/);
  assert.match(text, /binding lifetime +40s/);
  const bad = await box.run(['nat', 'probe', '--host', 'alice', '--stun', 'stun1', '--mapping', 'apd', '--filtering', 'ad', '--hairpin', ...S]);
  assert.equal(bad.code, 1, bad.stderr);
  assert.deepEqual(bad.stderr.trim().split('\n'), ['vnet: differs: mapping: expected apd, probed ei', 'vnet: differs: hairpin: expected true, probed false']);
  const j = await box.run(['nat', 'probe', '--host', 'alice', '--stun', 'stun1', '--expect', 'full-cone', '--skip-lifetime', '--json', ...S]);
  assert.equal(j.code, 1);
  const r = JSON.parse(j.stdout) as { filtering: string; mismatches: string[]; steps: { test: string }[] };
  assert.equal(r.filtering, 'ad');
  assert.deepEqual(r.mismatches, ['filtering: expected ei (--expect full-cone), probed ad']);
  assert.deepEqual(r.steps.map((s) => s.test), ['T1', 'Map-II', 'Filt-T1', 'Filt-II', 'Filt-III', 'Hairpin-T1']);
  const usage = await box.run(['nat', 'probe', '--host', 'alice', '--stun', 'stun1', '--expect', 'cone', ...S]);
  assert.equal(usage.code, 2);
  assert.equal((await box.run(['stun', 'add', 'x', '--router', 'internet', '--ip', '198.51.100.30', '--alt-port', '4000', ...S])).code, 2);
  assert.match(await box.ok(['stun', 'rm', 'stun1', ...S]), /removed stun stun1/);
  assert.equal((await box.run(['nat', 'probe', '--host', 'alice', '--stun', 'stun1', ...S])).code, 2);
  await box.ok(['down', ...S]);
});

test('topology files: stun entries apply, export writes them (not as hosts), and up -f of the export gives the same servers', async () => {
  const file = join(box.dir, 'stun.yaml');
  writeFileSync(file, [
    'routers:',
    '  - { name: internet, cidr: 0.0.0.0/0 }',
    '  - { name: home, parent: internet, cidr: 192.168.1.0/24, nat: symmetric }',
    'hosts:',
    '  - { name: alice, router: home }',
    'stun:',
    '  - { name: stun1, router: internet, ip: 198.51.100.10, altIp: 198.51.100.11, port: 3478, altPort: 3479 }',
    '  - { name: plain, router: internet, ip: 198.51.100.20, port: 19302 }',
    'filters:',
    '  - { on: stun1/eth0, delay: 5ms }',
  ].join('\n'));
  await box.ok(['up', '--clock', 'virtual', '-f', file, '--session', 'topo']);
  const exported = await box.ok(['export', '--session', 'topo']);
  assert.match(exported, /stun:\n {2}- \{ name: stun1, router: internet, ip: 198\.51\.100\.10, altIp: 198\.51\.100\.11 \}\n {2}- \{ name: plain, router: internet, ip: 198\.51\.100\.20, port: 19302 \}/);
  assert.doesNotMatch(/\nhosts:\n((?: .*\n)*)/.exec(exported)![1], /stun1|plain/);
  const again = join(box.dir, 'again.yaml');
  writeFileSync(again, exported);
  assert.match(await box.ok(['apply', '-f', again, '--session', 'topo']), /unchanged|nothing/i);
  await box.ok(['up', '--clock', 'virtual', '-f', again, '--session', 'topo2']);
  const ls = (s: string): Promise<unknown> => box.json(['stun', 'ls', '--session', s]);
  assert.deepEqual(await ls('topo2'), await ls('topo'));
  assert.equal(await box.ok(['export', '--session', 'topo2']), exported);
  const r = await box.json<{ mapping: string; filtering: string }>(['nat', 'probe', '--host', 'alice', '--stun', 'stun1', '--expect', 'symmetric', '--skip-lifetime', '--session', 'topo2']);
  assert.deepEqual([r.mapping, r.filtering], ['apd', 'apd']);
  // A conflicting entry is refused, naming the line.
  writeFileSync(again, exported.replace('ip: 198.51.100.20, port: 19302', 'ip: 198.51.100.21, port: 19302'));
  const conflict = await box.run(['apply', '-f', again, '--session', 'topo']);
  assert.equal(conflict.code, 2);
  assert.match(conflict.stderr, /again\.yaml:\d+: stun\[1\]: STUN server plain exists with router internet, ip 198\.51\.100\.20:19302, the file says router internet, ip 198\.51\.100\.21:19302/);
  await box.ok(['down', '--session', 'topo']);
  await box.ok(['down', '--session', 'topo2']);
});

/** Runs turnutils_stunclient against 127.0.0.1:port until it prints its reflexive address (or exits), bounded. */
async function stunClient(port: number): Promise<{ reflexive: string | undefined; code: number | null; out: string }> {
  const child = box.adopt(spawn('turnutils_stunclient', ['-p', String(port), '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  let out = '';
  let code: number | null = null;
  let exited = false;
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  child.once('exit', (c) => {
    code = c;
    exited = true;
  });
  try {
    await waitFor(() => exited || /UDP reflexive addr: \S+/.test(out), 'turnutils_stunclient to print its reflexive address', 10_000, 10);
    // The basic exchange ends the client; give it a moment to exit on its own.
    await waitFor(() => exited, 'turnutils_stunclient to exit', 1000, 10).catch(() => {});
  } finally {
    killGroup(child);
  }
  return { reflexive: /UDP reflexive addr: (\S+)/.exec(out)?.[1], code, out };
}

test('a real STUN client (turnutils_stunclient) through vnet map learns the NAT\'s external mapping as its reflexive address', async () => {
  requireTool('turnutils_stunclient', 'coturn');
  const S = ['--session', 'real'];
  await build('real', 'real', ['--nat', 'port-restricted']);
  await box.ok(['stun', 'add', 'plain', '--router', 'internet', '--ip', '198.51.100.20', ...S]);
  /** The external address of the NAT mapping of the map's virtual socket. */
  const mapping = async (virtualPort: number): Promise<string | undefined> => {
    const t = await box.json<{ mappings: { external: string; internal: string }[] }>(['nat', 'show', 'home', ...S]);
    return t.mappings.find((m) => m.internal === `192.168.1.2:${virtualPort}`)?.external;
  };
  const mapIn = async (listen: number, remote: string): Promise<number> =>
    (await box.json<{ virtualPort: number }>(['map', 'add', '--host', 'alice', '--listen', `127.0.0.1:${listen}`, '--remote', remote, ...S])).virtualPort;
  // A one-address server: the client's whole exchange, exit 0.
  const p1 = await freePort();
  const v1 = await mapIn(p1, '198.51.100.20:3478');
  const basic = await stunClient(p1);
  assert.equal(basic.code, 0, basic.out);
  assert.match(basic.reflexive ?? '', /^203\.0\.113\.1:\d+$/, basic.out);
  assert.equal(basic.reflexive, await mapping(v1), basic.out);
  // The RFC 5780 server: the first answer (with OTHER-ADDRESS) gives the reflexive address; the client's next
  // request asks for the answer at RESPONSE-PORT = another local port of its own, which a one-port map cannot carry.
  const p2 = await freePort();
  const v2 = await mapIn(p2, '198.51.100.10:3478');
  const full = await stunClient(p2);
  assert.match(full.out, /Other addr: : 198\.51\.100\.11:3479/);
  assert.equal(full.reflexive, await mapping(v2), full.out);
  await box.ok(['down', ...S]);
});
