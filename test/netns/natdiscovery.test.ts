// coturn's RFC 5780 discovery from real kernels: turnserver in a netns host on the internet with two
// addresses, and turnutils_natdiscovery in a netns host behind each of the nine mapping x filtering
// NATs (all nine at once: a dependent-filtering verdict waits for STUN timeouts). Its verdicts must be
// the NAT's. Needs root; fails loudly without it or without coturn.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CliSandbox, waitUntil } from '../e2e/cli-helpers.js';
import { removeNamespaces } from './leftovers.js';

const S = ['--session', 'turn'];
const BEHAVIOURS = { ei: 'Endpoint Independent', ad: 'Address Dependent', apd: 'Address and Port Dependent' } as const;
type Behaviour = keyof typeof BEHAVIOURS;
const PAIRS: [Behaviour, Behaviour][] = (['ei', 'ad', 'apd'] as Behaviour[]).flatMap((m) => (['ei', 'ad', 'apd'] as Behaviour[]).map((f): [Behaviour, Behaviour] => [m, f]));

let box: CliSandbox | undefined;
after(() => {
  box?.cleanup();
  removeNamespaces((ns) => ns.startsWith('vnet-turn-'));
});

function run(ns: string, argv: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv[0]} in ${ns} still running after ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

test('turnutils_natdiscovery in a netns host names the mapping and filtering of each of the nine NATs', async () => {
  if (process.getuid?.() !== 0) throw new Error('this test makes network namespaces and TUN devices and needs root (uid 0)');
  for (const tool of ['turnserver', 'turnutils_natdiscovery']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is not installed: apt-get install -y coturn (npm test installs it)`);
  }
  box = new CliSandbox();
  const routers = PAIRS.map(([m, f], i) => `  - { name: nat-${m}-${f}, parent: internet, cidr: 10.0.${i}.0/24, uplink: { ips: [203.0.113.${10 + i}] }, nat: { mapping: ${m}, filtering: ${f} } }`);
  const hosts = PAIRS.map(([m, f]) => `  - { name: c-${m}-${f}, router: nat-${m}-${f}, netns: true }`);
  const file = join(box.dir, 'turn.yaml');
  writeFileSync(file, `routers:\n  - { name: internet, cidr: 0.0.0.0/0 }\n${routers.join('\n')}\nhosts:\n  - { name: stun, router: internet, ips: [198.51.100.20, 198.51.100.21], netns: true }\n${hosts.join('\n')}\n`);
  await box.ok(['up', '-f', file, ...S]);
  const nsOf = async (h: string): Promise<string> => (await box!.json<{ netns: string }>(['host', 'show', h, ...S])).netns;
  const stun = await nsOf('stun');
  // coturn's Debian config turns RFC 5780 off: no config file, two addresses, the alternative port.
  const server = spawn('ip', ['netns', 'exec', stun, 'turnserver', '-c', '/dev/null', '-L', '198.51.100.20', '-L', '198.51.100.21', '-p', '3478',
    '--alt-listening-port', '3479', '--no-tls', '--no-dtls', '--no-cli', '--log-file', 'stdout', '--simple-log'], { stdio: 'ignore', detached: true });
  box.adopt(server);
  await waitUntil(() => {
    const ss = execFileSync('ip', ['netns', 'exec', stun, 'ss', '-lunH'], { encoding: 'utf8' });
    return ss.includes('198.51.100.21:3479') && ss.includes('198.51.100.20:3478');
  }, 'turnserver listening on both addresses and ports');
  const verdicts = await Promise.all(PAIRS.map(async ([m, f]) => {
    const out = await run(await nsOf(`c-${m}-${f}`), ['turnutils_natdiscovery', '-m', '-f', '198.51.100.20'], 30_000);
    const mapping = /NAT with (.*) Mapping!/.exec(out)?.[1];
    const filtering = /NAT with (.*) Filtering!/.exec(out)?.[1];
    return { pair: `${m}/${f}`, mapping, filtering };
  }));
  assert.deepEqual(verdicts, PAIRS.map(([m, f]) => ({ pair: `${m}/${f}`, mapping: BEHAVIOURS[m], filtering: BEHAVIOURS[f] })));
});
