// A netns host on lan2 of a router with several LANs (NAT-PMP and multicast on it too): its default
// route is lan2's gateway, it pings that gateway and a host on lan through the router (TTL 63), and
// dig at its own gateway resolves names. Needs root: fails loudly without it. The session and its
// namespaces are removed in the after hook.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CliSandbox } from '../e2e/cli-helpers.js';
import { removeNamespaces } from '../netns/leftovers.js';

const SESSION = `cc${process.pid}`;
const S = ['--session', SESSION];
let box: CliSandbox;

function vexec(host: string, cmd: string[]): ReturnType<CliSandbox['run']> {
  return box.run(['exec', '--host', host, ...S, '--', ...cmd], { timeoutMs: 20_000 });
}

before(async () => {
  if (process.getuid?.() !== 0) throw new Error('the netns host tests make network namespaces and TUN devices and need root (uid 0)');
  for (const tool of ['ip', 'ping', 'dig']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is not installed; npm test installs it (scripts/test-tools.js)`);
  }
  box = new CliSandbox();
  const file = join(box.dir, 'lans.yaml');
  writeFileSync(file, `
routers:
  - { name: internet, cidr: 0.0.0.0/0 }
  - name: office
    parent: internet
    cidr: 10.1.0.0/24
    uplink: { ips: [203.0.113.5] }
    natpmp: { pcp: true }
    multicast: { forwarding: true }
    lans:
      - { cidr: 10.2.0.0/24, gateway: 10.2.0.254 }
hosts:
  - { name: a, router: office }
  - { name: bob, router: office, lan: lan2, netns: true }
dns:
  web.example: 198.51.100.8
`);
  await box.ok(['up', '-f', file, ...S]);
});

after(async () => {
  try {
    if (box) await box.run(['down', '--yes', ...S]);
  } finally {
    box?.cleanup();
    removeNamespaces((ns) => ns.startsWith(`vnet-${SESSION}-`));
  }
});

test('a netns host on lan2: default route via lan2\'s gateway; it pings the gateway (TTL 64) and a host on lan (TTL 63); dig at its gateway', async () => {
  const { netns } = await box.json<{ netns: string }>(['host', 'show', 'bob', ...S]);
  assert.match(execFileSync('ip', ['-n', netns, 'route', 'show', 'default'], { encoding: 'utf8' }), /^default via 10\.2\.0\.254 dev eth0/);
  assert.match(execFileSync('ip', ['-n', netns, '-br', 'addr', 'show', 'eth0'], { encoding: 'utf8' }), /10\.2\.0\.1\/24/);
  const gw = await vexec('bob', ['ping', '-n', '-c', '1', '-W', '2', '10.2.0.254']);
  assert.equal(gw.code, 0, gw.stderr + gw.stdout);
  assert.match(gw.stdout, /from 10\.2\.0\.254: icmp_seq=1 ttl=64/);
  const lan = await vexec('bob', ['ping', '-n', '-c', '1', '-W', '2', '10.1.0.2']);
  assert.equal(lan.code, 0, lan.stderr + lan.stdout);
  assert.match(lan.stdout, /from 10\.1\.0\.2: icmp_seq=1 ttl=63/, 'a answers with 64, the router takes one');
  const dig = await vexec('bob', ['dig', '+short', '+tries=1', '+time=2', '@10.2.0.254', '-q', 'a']); // dig reads a bare "a" as the type A
  assert.equal(dig.code, 0, dig.stderr);
  assert.equal(dig.stdout.trim(), '10.1.0.2');
  const viaResolvConf = await vexec('bob', ['dig', '+short', '+tries=1', '+time=2', 'web.example']);
  assert.equal(viaResolvConf.stdout.trim(), '198.51.100.8', 'resolv.conf names lan2\'s gateway');
  const nx = await vexec('bob', ['dig', '+tries=1', '+time=2', '@10.2.0.254', 'nowhere.example']);
  assert.match(nx.stdout, /status: NXDOMAIN/);
});
