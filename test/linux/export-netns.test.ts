// `vnet export --format netns` run for real: the script of a two-NAT topology (a port-restricted ISP NAT,
// a home NAT behind it) builds the lab (root), the same probe run against vnet and against the lab sees
// the same things, a tbf rate holds, and `down` leaves nothing; so does a router with two LANs. Real time (about 10 s); every namespace made is removed whatever the outcome.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { Network } from '../../src/engine/network.js';
import { formatIpv4 } from '../../src/wire/addr.js';
import { formatMac } from '../../src/engine/mac.js';
import { applyTopology, parseTopology } from '../../src/session/topology.js';
import { exportLab, topologyOfFile } from '../../src/session/export-lab.js';
import { processAlive } from '../../src/session/runtime.js';
import { client, server, stranger, type ProbeEnv, type ProbeSocket } from './export-probe.js';

const topology = (homeNat: string): string => `
routers:
  - { name: internet, cidr: 0.0.0.0/0 }
  - { name: isp, parent: internet, cidr: 100.64.0.0/24, uplink: { ips: [203.0.113.10] }, nat: port-restricted }
  - { name: home, parent: isp, cidr: 192.168.1.0/24, nat: ${homeNat} }
hosts:
  - { name: alice, router: home }
  - { name: bob, router: isp }
  - { name: server, router: internet, ips: [198.51.100.7] }
  - { name: stranger, router: internet, ips: [198.51.100.9] }
filters:
  - { on: home/uplink, rate: 4mbit }
  - { on: stranger, delay: 5ms, rate: 8mbit }
`;
const TOPOLOGY = topology('linux');

const PREFIX = `vx${process.pid}`;
/** The second lab's (home NAT symmetric). */
const PREFIX2 = `vy${process.pid}`;
/** The third lab's (a router with two LANs). */
const PREFIX3 = `vz${process.pid}`;
const NODES = ['internet', 'isp', 'home', 'alice', 'bob', 'server', 'stranger'];
const nsOf = (node: string, prefix = PREFIX): string => `${prefix}-${node}`;
const PROBE = fileURLToPath(new URL('./export-probe.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vnet-export-'));
const script = join(dir, 'lab.sh');
const script2 = join(dir, 'lab2.sh');
const script3 = join(dir, 'lab3.sh');
const children: ChildProcess[] = [];

function run(argv: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function lab(cmd: string): { out: string; err: string } {
  const r = run(['sh', script, cmd]);
  assert.equal(r.code, 0, `sh lab.sh ${cmd} exited ${r.code}: ${r.err}`);
  return r;
}

const namespaces = (prefix = PREFIX): string[] => run(['ip', 'netns', 'list']).out.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(`${prefix}-`));

/** Namespaces of an earlier run of this file killed before its after hook (vx<dead pid>-...). */
function removeOrphans(): void {
  for (const line of run(['ip', 'netns', 'list']).out.split('\n')) {
    const name = line.split(' ')[0];
    const m = /^v[xyz](\d+)-/.exec(name);
    if (m && !processAlive(Number(m[1]))) run(['ip', 'netns', 'del', name]);
  }
}

/** Starts `node export-probe.js ROLE ARG` in a node's namespace; resolves once it prints `ready`. */
function startRole(node: string, role: string, arg = '', prefix = PREFIX): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', nsOf(node, prefix), process.execPath, PROBE, role, ...(arg ? [arg] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} in ${nsOf(node)} not ready after 10 s`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`${role} in ${nsOf(node)} exited ${code}`)));
  });
}

/** Runs node with a script in a namespace, bounded, returning its stdout. */
function nodeIn(node: string, args: string[], timeoutMs: number, prefix = PREFIX): Promise<string> {
  const child = spawn('ip', ['netns', 'exec', nsOf(node, prefix), process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ').slice(0, 60)} in ${nsOf(node)} still running after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`node in ${nsOf(node)} exited ${code}: ${err.trim()}`));
    });
  });
}

let upOutput = { out: '', err: '' };
/** The root namespace's nft tables before the lab: the lab puts its tables in its own namespaces only. */
let rootTables = '';

before(() => {
  if (process.getuid?.() !== 0) throw new Error('this test builds network namespaces and needs root (uid 0)');
  for (const tool of ['ip', 'nft', 'tc']) assert.equal(run(['sh', '-c', `command -v ${tool}`]).code, 0, `${tool} is missing; install iproute2 and nftables`);
  removeOrphans();
  rootTables = run(['nft', 'list', 'tables']).out;
  const { main } = exportLab(topologyOfFile(TOPOLOGY, 'two-nat.yaml'), { format: 'netns', prefix: PREFIX, source: 'two-nat.yaml' });
  writeFileSync(script, main);
  upOutput = lab('up');
});

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  run(['sh', script, 'down']);
  run(['sh', script2, 'down']);
  run(['sh', script3, 'down']);
  for (const ns of [...namespaces(), ...namespaces(PREFIX2), ...namespaces(PREFIX3)]) run(['ip', 'netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
});

test('the script builds one namespace per node, and a second up gives the same lab', () => {
  assert.deepEqual(namespaces().sort(), NODES.map((n) => nsOf(n)).sort());
  const state = (): string => NODES.map((n) => [
    run(['ip', '-n', nsOf(n), '-br', 'addr']).out,
    run(['ip', '-n', nsOf(n), 'route']).out,
    run(['ip', 'netns', 'exec', nsOf(n), 'nft', 'list', 'ruleset']).out,
    run(['tc', '-n', nsOf(n), 'qdisc', 'show']).out.replace(/qdisc (\w+) [0-9a-f]+:/g, 'qdisc $1'),
  ].join('\n')).join('\n');
  const first = state();
  lab('up');
  assert.equal(state(), first);
  // The addresses and MACs `vnet up -f` gives the same file, interface by interface (allocated ones included).
  const net = new Network({ clock: 'virtual', seed: 1 });
  applyTopology(net, parseTopology(TOPOLOGY, 'two-nat.yaml'));
  const addrs = (node: string, dev: string): string => run(['ip', '-n', nsOf(node), '-br', 'addr', 'show', dev]).out.trim().split(/\s+/).slice(2).join(' ');
  const mac = (node: string, dev: string): string => run(['ip', '-n', nsOf(node), '-br', 'link', 'show', dev]).out.trim().split(/\s+/)[2];
  for (const h of net.hosts) assert.equal(mac(h.name, 'eth0'), formatMac(h.eth0.mac), `${h.name}/eth0 MAC`);
  for (const h of net.hosts) assert.equal(addrs(h.name, 'eth0'), h.addresses.map((a) => `${formatIpv4(a)}/${net.router(h.routerName).cidr.prefix}`).join(' '), h.name);
  for (const r of net.routers) {
    assert.match(addrs(r.name, 'lan'), new RegExp(`^${formatIpv4(r.gateway).replace(/\./g, '\\.')}/${r.cidr.prefix}$`), `${r.name}/lan`);
    if (r.uplink) assert.equal(addrs(r.name, 'uplink'), r.uplink.addresses.map((a) => `${formatIpv4(a)}/${r.parent!.cidr.prefix}`).join(' '), `${r.name}/uplink`);
  }
  assert.match(addrs('alice', 'eth0'), /^192\.168\.1\.2\/24$/);
  assert.match(run(['ip', 'netns', 'exec', nsOf('home'), 'nft', 'list', 'ruleset']).out, /oifname "uplink" masquerade/);
});

test('netem: set where the kernel has it, else a warning naming the interface', () => {
  const probeNs = `${PREFIX}-netemcheck`;
  run(['ip', 'netns', 'add', probeNs]);
  run(['ip', '-n', probeNs, 'link', 'add', 'a', 'type', 'veth', 'peer', 'name', 'b']);
  const haveNetem = run(['tc', '-n', probeNs, 'qdisc', 'add', 'dev', 'a', 'root', 'netem', 'delay', '1ms']).code === 0;
  run(['ip', 'netns', 'del', probeNs]);
  const qdiscs = run(['tc', '-n', nsOf('stranger'), 'qdisc', 'show', 'dev', 'eth0']).out;
  if (haveNetem) assert.match(qdiscs, /netem .*delay 5ms/);
  else assert.match(upOutput.err, new RegExp(`no netem \\(module sch_netem.*${nsOf('stranger')}/eth0 goes without: delay 5ms`));
  // The rate part stands either way: tbf under netem, or alone at the root.
  assert.match(qdiscs, /qdisc tbf .*rate 8Mbit/);
});

/** The probe (alice behind two NATs, then bob behind one) against vnet: the roles in this process, on the virtual hosts' sockets, on a virtual clock. */
async function probeVnet(text: string, clients = ['alice', 'bob'], ports: number[] = []): Promise<string[]> {
  const net = new Network({ clock: 'virtual', seed: 1 });
  applyTopology(net, parseTopology(text, 'two-nat.yaml'));
  const envOf = (host: string): ProbeEnv => ({
    socket: () => net.host(host).createSocket('udp4') as unknown as ProbeSocket,
    wait: async (ms) => {
      net.advance(`${ms}ms`);
      await new Promise((r) => setImmediate(r));
    },
  });
  const ready = (f: (done: () => void) => void): Promise<void> => new Promise((resolve) => f(resolve));
  const bound = Promise.all([ready((d) => server(envOf('server'), '198.51.100.9', d)), ready((d) => stranger(envOf('stranger'), d))]);
  net.advance('1ms');
  await bound;
  const lines: string[] = [];
  for (const [i, host] of clients.entries()) lines.push(...await client(envOf(host), '198.51.100.7', ports[i]));
  return lines;
}

/** The probe against a lab: each role a process in its namespace. */
async function probeLab(prefix: string, clients = ['alice', 'bob'], ports: number[] = []): Promise<string[]> {
  await Promise.all([startRole('server', 'server', '198.51.100.9', prefix), startRole('stranger', 'stranger', '', prefix)]);
  const lines: string[] = [];
  for (const [i, host] of clients.entries()) lines.push(...(await nodeIn(host, [PROBE, 'client', '198.51.100.7', ...(ports[i] !== undefined ? [String(ports[i])] : [])], 20_000, prefix)).trim().split('\n'));
  return lines;
}

test('the same probe against vnet and against the lab: same source, mapping, TTL and filtering', async () => {
  const inVnet = await probeVnet(TOPOLOGY);
  const inLab = await probeLab(PREFIX);
  assert.deepEqual(inLab, inVnet);
  assert.deepEqual(inVnet, [
    'source 203.0.113.10',
    'mapping endpoint-independent',
    'ttl-seen-by-server 62',
    'inbound-from-other-port dropped',
    'inbound-from-other-host dropped',
    // bob, behind the port-restricted isp alone: seen from its address, one hop
    'source 203.0.113.10',
    'mapping endpoint-independent',
    'ttl-seen-by-server 63',
    'inbound-from-other-port dropped',
    'inbound-from-other-host dropped',
  ]);
});

test('a symmetric NAT (masquerade fully-random) looks the same to the probe in vnet and in the lab', async () => {
  const text = topology('symmetric');
  const { main } = exportLab(topologyOfFile(text, 'two-nat.yaml'), { format: 'netns', prefix: PREFIX2, source: 'two-nat.yaml' });
  writeFileSync(script2, main);
  assert.equal(run(['sh', script2, 'up']).code, 0);
  try {
    const inVnet = await probeVnet(text);
    assert.deepEqual(await probeLab(PREFIX2), inVnet);
    assert.equal(inVnet[1], 'mapping endpoint-dependent');
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null && c.spawnargs.some((a) => a.startsWith(PREFIX2))) c.kill('SIGKILL');
    assert.equal(run(['sh', script2, 'down']).code, 0);
  }
  assert.deepEqual(namespaces(PREFIX2), []);
});

const MULTI_LAN = `
routers:
  - { name: internet, cidr: 0.0.0.0/0 }
  - { name: office, parent: internet, cidr: 10.1.0.0/24, uplink: { ips: [203.0.113.5] }, nat: linux, lans: [{ name: lan2, cidr: 10.2.0.0/24 }] }
  - { name: lab, parent: office, parentLan: lan2, cidr: 10.20.0.0/24, nat: none }
hosts:
  - { name: alice, router: office }
  - { name: printer, router: office, lan: lan2 }
  - { name: inner, router: lab }
  - { name: server, router: internet, ips: [198.51.100.7] }
  - { name: stranger, router: internet, ips: [198.51.100.9] }
`;

test('a router with two LANs: a host on lan2 and one behind a routed router there leave through the NAT as in vnet; down is clean', async () => {
  const { main, gaps } = exportLab(topologyOfFile(MULTI_LAN, 'multi-lan.yaml'), { format: 'netns', prefix: PREFIX3, source: 'multi-lan.yaml' });
  assert.deepEqual(gaps, [], 'a linux NAT with several LANs carries over whole');
  writeFileSync(script3, main);
  const up = run(['sh', script3, 'up']);
  assert.equal(up.code, 0, up.err);
  try {
    // Addresses as `vnet up -f` gives them, on the LAN each node is on.
    const net = new Network({ clock: 'virtual', seed: 1 });
    applyTopology(net, parseTopology(MULTI_LAN, 'multi-lan.yaml'));
    const br = (node: string, dev: string): string => run(['ip', '-n', nsOf(node, PREFIX3), '-br', 'addr', 'show', dev]).out.trim().split(/\s+/).slice(2).join(' ');
    assert.equal(br('office', 'lan2'), '10.2.0.1/24');
    assert.equal(br('printer', 'eth0'), `${formatIpv4(net.host('printer').addresses[0])}/24`);
    assert.equal(br('lab', 'uplink'), `${formatIpv4(net.router('lab').uplink!.addresses[0])}/24`);
    assert.match(br('lab', 'uplink'), /^10\.2\.0\.\d+\/24$/);
    // Each client from a port of its own: when two inside hosts share a source port, Linux reuses an earlier
    // flow's external port for the same source (find_appropriate_src) where vnet's linux preset draws anew.
    const inVnet = await probeVnet(MULTI_LAN, ['printer', 'inner'], [5000, 5001]);
    assert.deepEqual(await probeLab(PREFIX3, ['printer', 'inner'], [5000, 5001]), inVnet);
    assert.deepEqual(inVnet, [
      'source 203.0.113.5',
      'mapping endpoint-independent',
      'ttl-seen-by-server 63',
      'inbound-from-other-port dropped',
      'inbound-from-other-host dropped',
      // inner, behind the routed lab on office's lan2: one hop more, the same NAT
      'source 203.0.113.5',
      'mapping endpoint-independent',
      'ttl-seen-by-server 62',
      'inbound-from-other-port dropped',
      'inbound-from-other-host dropped',
    ]);
    // Between the LANs, routed by office (no NAT): alice on lan reaches printer on lan2.
    const ping = run(['ip', 'netns', 'exec', nsOf('alice', PREFIX3), 'ping', '-c1', '-W2', formatIpv4(net.host('printer').addresses[0])]);
    assert.equal(ping.code, 0, ping.out + ping.err);
    assert.match(ping.out, /ttl=63/);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null && c.spawnargs.some((a) => a.startsWith(PREFIX3))) c.kill('SIGKILL');
    assert.equal(run(['sh', script3, 'down']).code, 0);
  }
  assert.deepEqual(namespaces(PREFIX3), []);
  assert.doesNotMatch(run(['ip', '-o', 'link', 'show']).out, /\bp-printer\b|\blan2\b/);
});

// Sends 1000-byte payloads (1042-byte frames, what tbf counts) to the server for 2 s, twice the rate;
// the server times what arrives: frames after the first, over the time from the first to the last.
const RECEIVER = `
const s = require('node:dgram').createSocket('udp4');
let first = 0n, last = 0n, n = 0, idle;
s.on('message', () => {
  const t = process.hrtime.bigint();
  if (n++ === 0) first = t;
  last = t;
  clearTimeout(idle);
  idle = setTimeout(() => { console.log(JSON.stringify({ n, seconds: Number(last - first) / 1e9 })); process.exit(0); }, 600);
});
s.bind(6000, () => console.log('ready'));`;
const SENDER = `
const s = require('node:dgram').createSocket('udp4');
const payload = Buffer.alloc(1000, 7);
const end = Date.now() + 2000;
const tick = () => {
  if (Date.now() >= end) return s.close();
  for (let i = 0; i < 5; i++) s.send(payload, 6000, '198.51.100.7');
  setTimeout(tick, 5);
};
tick();`;

test('the tbf of a 4mbit filter holds the rate within 5 %', async (t) => {
  // A stall of the sender (a loaded machine) lets the tbf queue run dry, which only lowers the rate seen,
  // never raises it: the best of up to three 2 s trials is the tbf's own rate.
  const rates: number[] = [];
  for (let trial = 0; trial < 3; trial++) {
    const receiving = nodeIn('server', ['-e', RECEIVER], 10_000);
    await new Promise((r) => setTimeout(r, 300));
    await nodeIn('alice', ['-e', SENDER], 10_000);
    const { n, seconds } = JSON.parse((await receiving).split('\n').filter((l) => l.startsWith('{'))[0]) as { n: number; seconds: number };
    const bitsPerSecond = ((n - 1) * 1042 * 8) / seconds;
    t.diagnostic(`tbf 4mbit, trial ${trial + 1}: ${n} frames in ${seconds.toFixed(3)} s = ${(bitsPerSecond / 1e6).toFixed(4)} Mbit/s`);
    assert.ok(n > 500, `only ${n} datagrams arrived`);
    assert.ok(bitsPerSecond < 4e6 * 1.05, `measured ${(bitsPerSecond / 1e6).toFixed(3)} Mbit/s, over 4 Mbit/s + 5 %`);
    rates.push(bitsPerSecond);
    if (Math.abs(bitsPerSecond / 4e6 - 1) < 0.05) break;
  }
  const best = Math.max(...rates);
  assert.ok(Math.abs(best / 4e6 - 1) < 0.05, `measured ${rates.map((r) => (r / 1e6).toFixed(3)).join(', ')} Mbit/s, want 4 Mbit/s within 5 %`);
});

test('down removes every namespace, link and nft table, and a second down is fine', () => {
  const rootLinksBefore = run(['ip', '-o', 'link', 'show']).out.split('\n').length;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  lab('down');
  assert.deepEqual(namespaces(), []);
  for (const n of NODES) assert.notEqual(run(['ip', '-n', nsOf(n), 'link', 'show']).code, 0, `${nsOf(n)} still answers`);
  assert.equal(run(['ip', '-o', 'link', 'show']).out.split('\n').length, rootLinksBefore, 'links appeared or vanished in the root namespace');
  assert.doesNotMatch(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }), /\b(p-alice|p-home|p-isp|p-server|p-stranger)\b/);
  assert.equal(run(['nft', 'list', 'tables']).out, rootTables, 'nft tables changed in the root namespace');
  assert.match(lab('down').out, /is down/);
  assert.deepEqual(namespaces(), []);
});
