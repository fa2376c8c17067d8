// vnet's `linux` preset side by side with a real Linux NAT: nftables masquerade in a router
// namespace between two veth pairs (inside: two hosts' addresses; outside: two remote addresses).
// The same probes run through both, and the external ports the remote side sees must agree:
// the source port kept toward two destinations, overloaded across two inside hosts, changed
// on a collision, and the changed port kept by that host's next flow. Needs root, `ip` and `nft` (fails loudly without them); every namespace it makes
// is removed and every process it starts is killed, whatever the outcome.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, natNetwork } from '../helpers.js';

const NS = { in: `vnet-t-${process.pid}-in`, router: `vnet-t-${process.pid}-r`, out: `vnet-t-${process.pid}-out` };
const INSIDE = ['192.168.1.2', '192.168.1.3'];
const REMOTE = ['203.0.113.10', '203.0.113.11'];

/** [inside host index, source port, remote index, remote port]. */
type Probe = [number, number, number, number];
const PROBES: { name: string; probes: Probe[] }[] = [
  { name: 'port kept toward two destinations', probes: [[0, 4000, 0, 3478], [0, 4000, 1, 3478]] },
  { name: 'overloading: two hosts, one source port, different destinations', probes: [[0, 5000, 0, 7000], [1, 5000, 1, 7000]] },
  { name: 'collision: two hosts, one source port, one destination', probes: [[0, 6000, 0, 7000], [1, 6000, 0, 7000]] },
  // The kernel's find_appropriate_src: the host that lost its port keeps the one its first flow got.
  { name: 'after a collision the host keeps its new port toward another destination', probes: [[0, 8000, 0, 7000], [1, 8000, 0, 7000], [1, 8000, 1, 7000]] },
];

function sh(...args: string[]): string {
  return execFileSync(args[0], args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}

function nsExec(ns: string, ...args: string[]): string {
  return sh('ip', 'netns', 'exec', ns, ...args);
}

function buildLinuxNat(): void {
  for (const ns of Object.values(NS)) {
    sh('ip', 'netns', 'add', ns);
    sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
  }
  sh('ip', 'link', 'add', 'v-in', 'netns', NS.in, 'type', 'veth', 'peer', 'name', 'r-in', 'netns', NS.router);
  sh('ip', 'link', 'add', 'v-out', 'netns', NS.out, 'type', 'veth', 'peer', 'name', 'r-out', 'netns', NS.router);
  for (const a of INSIDE) sh('ip', '-n', NS.in, 'addr', 'add', `${a}/24`, 'dev', 'v-in');
  for (const a of REMOTE) sh('ip', '-n', NS.out, 'addr', 'add', `${a}/24`, 'dev', 'v-out');
  sh('ip', '-n', NS.router, 'addr', 'add', '192.168.1.1/24', 'dev', 'r-in');
  sh('ip', '-n', NS.router, 'addr', 'add', '203.0.113.1/24', 'dev', 'r-out');
  for (const [ns, dev] of [[NS.in, 'v-in'], [NS.out, 'v-out'], [NS.router, 'r-in'], [NS.router, 'r-out']]) sh('ip', '-n', ns, 'link', 'set', dev, 'up');
  sh('ip', '-n', NS.in, 'route', 'add', 'default', 'via', '192.168.1.1');
  nsExec(NS.router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
  const rules = 'table ip vnet_t {\n  chain post {\n    type nat hook postrouting priority srcnat; policy accept;\n    oifname "r-out" masquerade\n  }\n}\n';
  execFileSync('ip', ['netns', 'exec', NS.router, 'nft', '-f', '-'], { input: rules, timeout: 10_000 });
}

function removeNamespaces(): void {
  for (const ns of Object.values(NS)) {
    try {
      sh('ip', 'netns', 'del', ns);
    } catch {
      // not made (setup failed before it) or already gone
    }
  }
}

/** Listens on every remote endpoint of the probes and prints "remoteIndex sourcePort" per datagram. */
const RECEIVER = `
const dgram = require('node:dgram');
const eps = JSON.parse(process.argv[2]);
let ready = 0;
for (const [i, addr, port] of eps) {
  const s = dgram.createSocket('udp4');
  s.on('message', (_m, r) => process.stdout.write(i + ' ' + r.port + '\\n'));
  s.bind(port, addr, () => { if (++ready === eps.length) process.stdout.write('ready\\n'); });
}
setTimeout(() => process.exit(2), 8000);
`;

/** Sends one datagram per probe, in order, each from its own bound socket (kept open to the end). */
const SENDER = `
const dgram = require('node:dgram');
const probes = JSON.parse(process.argv[2]);
(async () => {
  const socks = [];
  for (const [src, sport, dst, dport] of probes) {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    socks.push(s);
    await new Promise((res) => s.bind(sport, src, res));
    await new Promise((res, rej) => s.send('probe', dport, dst, (e) => (e ? rej(e) : res())));
    await new Promise((res) => setTimeout(res, 50));
  }
  for (const s of socks) s.close();
})().catch((e) => { console.error(String(e)); process.exit(1); });
`;

/** The source ports the remote side saw for each probe, through the Linux NAT. */
async function linuxPorts(dir: string, probes: Probe[]): Promise<number[]> {
  const eps = [...new Set(probes.map(([, , r, p]) => `${r}:${p}`))].map((k) => {
    const [r, p] = k.split(':').map(Number);
    return [probes.findIndex(([, , rr, pp]) => rr === r && pp === p), REMOTE[r], p];
  });
  const receiver: ChildProcess = spawn('ip', ['netns', 'exec', NS.out, process.execPath, join(dir, 'receiver.cjs'), JSON.stringify(eps)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const lines: string[] = [];
    let buffered = '';
    const ready = new Promise<void>((resolve, reject) => {
      receiver.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop()!;
        for (const l of parts) if (l === 'ready') resolve(); else lines.push(l);
      });
      receiver.on('exit', (code) => reject(new Error(`receiver exited (${code}) before it was ready`)));
    });
    await ready;
    nsExec(NS.in, process.execPath, join(dir, 'sender.cjs'), JSON.stringify(probes.map(([h, sp, r, rp]) => [INSIDE[h], sp, REMOTE[r], rp])));
    const deadline = Date.now() + 5000;
    while (lines.length < probes.length && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    assert.equal(lines.length, probes.length, `the Linux side delivered ${lines.length} of ${probes.length} probes`);
    // One probe per (remote, port) endpoint line, in send order.
    return lines.map((l) => Number(l.split(' ')[1]));
  } finally {
    receiver.kill('SIGKILL');
  }
}

/** The same probes through vnet's linux preset. */
function vnetPorts(probes: Probe[]): number[] {
  const net = natNetwork('linux');
  const inside = ['x', 'x2'];
  const remote = ['y1', 'y2'];
  const seen: number[] = [];
  const listeners = new Map<string, ReturnType<typeof collect>>();
  for (const [, , r, p] of probes) {
    const key = `${r}:${p}`;
    if (!listeners.has(key)) listeners.set(key, collect(net.host(remote[r]).udpBind(p), net));
  }
  const sockets = new Map<string, ReturnType<ReturnType<typeof net.host>['udpBind']>>();
  for (const [h, sp, r, rp] of probes) {
    const key = `${h}:${sp}`;
    const s = sockets.get(key) ?? net.host(inside[h]).udpBind(sp);
    sockets.set(key, s);
    const got = listeners.get(`${r}:${rp}`)!;
    const before = got.length;
    s.send('probe', rp, net.host(remote[r]).ip);
    net.runUntilIdle();
    assert.equal(got.length, before + 1, 'vnet delivered the probe');
    seen.push(got[got.length - 1].port);
  }
  return seen;
}

test('linux preset vs nftables masquerade: the external ports agree', async () => {
  assert.equal(process.getuid?.(), 0, 'this test builds network namespaces and needs root');
  for (const tool of ['ip', 'nft']) {
    try {
      sh('sh', '-c', `command -v ${tool}`);
    } catch {
      assert.fail(`${tool} is missing; install ${tool === 'nft' ? 'nftables' : 'iproute2'} (scripts/test-tools.js does it for npm test)`);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'vnet-linux-nat-'));
  writeFileSync(join(dir, 'receiver.cjs'), RECEIVER);
  writeFileSync(join(dir, 'sender.cjs'), SENDER);
  try {
    buildLinuxNat();
    for (const c of PROBES) {
      const linux = await linuxPorts(dir, c.probes);
      const vnet = vnetPorts(c.probes);
      // A kept port must be the same port; a changed one is random on both sides, so only "changed" is
      // compared, and which earlier probe's port it repeats.
      const shape = (ports: number[]) => ports.map((p, i) => {
        if (p === c.probes[i][1]) return `kept ${p}`;
        const earlier = ports.indexOf(p);
        return earlier < i ? `changed, as probe ${earlier + 1}` : 'changed';
      });
      assert.deepEqual(shape(vnet), shape(linux), `${c.name}: vnet ${vnet.join(',')}, Linux ${linux.join(',')}`);
    }
  } finally {
    removeNamespaces();
    rmSync(dir, { recursive: true, force: true });
  }
});
