// Real programs in the virtual network, end to end: socat, dnsmasq and dig against a real daemon.
// Hole punching between two socat peers: bridge-punch.test.ts.
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readCapture } from '../../src/capture/reader.js';
import { CliSandbox, COMMAND_TIMEOUT_MS, killGroup, stderrLine } from './cli-helpers.js';
import { dnsmasq, DNS_PROBE, freePort, requireTool, socatEcho, waitFor, waitUdpServer } from './real-programs.js';

const box = new CliSandbox();
const programs: ChildProcess[] = [];
after(() => {
  for (const p of programs) killGroup(p);
  box.cleanup();
});

const S = ['--session', 'br'];
let echoPort = 0;

before(async () => {
  requireTool('dig', 'dnsutils', '-v');
  await box.ok(['up', '--clock', 'virtual', ...S]);
  for (const args of [
    ['router', 'add', 'internet', '--cidr', '0.0.0.0/0'],
    ['router', 'add', 'home', '--parent', 'internet', '--cidr', '192.168.1.0/24', '--nat', 'symmetric', '--ip', '203.0.113.10'],
    ['host', 'add', 'alice', '--router', 'home'],
  ]) await box.ok([...args, ...S]);
  echoPort = await freePort();
  programs.push(socatEcho(echoPort));
  await waitUdpServer(echoPort, Buffer.from('probe'));
  await box.ok(['proxy', 'add', '--real', `127.0.0.1:${echoPort}`, '--as', '198.51.100.9:7', ...S]);
});

test('a socat echo server proxied in answers a host behind a symmetric NAT; the capture shows the translated addresses', async () => {
  const file = join(box.dir, 'echo.pcapng');
  await box.ok(['capture', 'start', 'home/lan', 'home/uplink', '-w', file, ...S]);
  const r = await box.run(['send', 'alice', '198.51.100.9:7', '--data', 'echo me', '--wait', '10s', '--replies', '1', '--json', ...S]);
  assert.equal(r.code, 0, r.stderr);
  const reply = JSON.parse(r.stdout.trim()) as { from: string; data: string };
  assert.deepEqual([reply.from, reply.data], ['198.51.100.9:7', 'echo me']);
  await box.ok(['capture', 'stop', '--all', ...S]);
  const t = spawnSync('tshark', ['-r', file, '-o', 'udp.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|', '-e', 'frame.interface_name', '-e', 'ip.src', '-e', 'ip.dst'], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  const rows = t.stdout.trim().split('\n');
  assert.ok(rows.some((l) => /^home\/lan\|192\.168\.1\.\d+\|198\.51\.100\.9$/.test(l)), `the LAN side shows alice's own address: ${t.stdout}`);
  assert.ok(rows.some((l) => l === 'home/uplink|203.0.113.10|198.51.100.9'), 'the uplink shows the NAT\'s address');
  assert.ok(rows.some((l) => l === 'home/uplink|198.51.100.9|203.0.113.10'), 'and the reply coming back to it');
  const proxies = await box.json<{ packetsToReal: number; packetsFromReal: number; clients: number }[]>(['proxy', 'ls', ...S]);
  assert.deepEqual([proxies[0].packetsToReal >= 1, proxies[0].packetsFromReal >= 1, proxies[0].clients], [true, true, 1]);
});

test('vnet exec: dig through a map reaches dnsmasq proxied in at a virtual address and gets its record', async () => {
  const dnsPort = await freePort();
  programs.push(dnsmasq(dnsPort));
  await waitUdpServer(dnsPort, DNS_PROBE);
  await box.ok(['proxy', 'add', '--real', `127.0.0.1:${dnsPort}`, '--as', '198.51.100.53:53', ...S]);
  const local = await freePort();
  const r = await box.run(['exec', '--host', 'alice', '--map', `${local}=198.51.100.53:53`, ...S, '--',
    'dig', '@127.0.0.1', '-p', String(local), 'test.example', '+short', '+tries=1', '+time=5']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '10.9.8.7');
  assert.deepEqual(await box.json(['map', 'ls', ...S]), [], 'exec tore its map down');
});

test('vnet exec passes the program\'s status on, 124 on --timeout, 127 for a missing program; maps in the environment', async () => {
  const status = await box.run(['exec', '--host', 'alice', ...S, '--', 'sh', '-c', 'exit 7']);
  assert.equal(status.code, 7);
  const env = await box.run(['exec', '--host', 'alice', '--map', '0=198.51.100.9:7', ...S, '--', 'sh', '-c', 'echo "$VNET_HOST $VNET_MAP_1 $VNET_MAP_1_PORT"']);
  assert.equal(env.code, 0, env.stderr);
  assert.match(env.stdout.trim(), /^alice 127\.0\.0\.1:(\d+) \1$/);
  const slow = await box.run(['exec', '--host', 'alice', '--timeout', '300ms', ...S, '--', 'sleep', '10']);
  assert.equal(slow.code, 124);
  const missing = await box.run(['exec', '--host', 'alice', ...S, '--', 'no-such-program-here']);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /no-such-program-here: command not found/);
});

test('vnet exec standalone (-f, no session): the network lives in the exec process for the run', async () => {
  const topo = join(box.dir, 'solo.yaml');
  writeFileSync(topo, 'routers:\n  - { name: internet, cidr: 0.0.0.0/0 }\n  - { name: home, parent: internet, cidr: 10.0.0.0/24, nat: port-restricted }\n' +
    'hosts:\n  - { name: bob, router: home }\ncaptures:\n  - { on: home/lan, file: solo.pcapng }\n');
  const local = await freePort();
  const script = `echo standalone | socat -t 5 - UDP4:127.0.0.1:${local}`;
  // No proxy exists in this network: the datagram leaves bob and is answered with ICMP unreachable; socat exits 0 after sending.
  const r = await box.run(['exec', '-f', topo, '--session', 'none-running', '--host', 'bob', '--map', `${local}=198.51.100.1:9`, '--', 'sh', '-c', script]);
  assert.equal(r.code, 0, r.stderr);
  // The file's capture (relative to the file, stopped and flushed when exec ends) saw the datagram leave bob.
  const frames = readCapture(readFileSync(join(box.dir, 'solo.pcapng'))).packets.map((p) => Buffer.from(p.data));
  const udp = frames.filter((f) => f[14 + 9] === 17 && f.includes('standalone\n')); // Ethernet, then IPv4's protocol byte
  assert.equal(udp.length, 1, 'the program\'s datagram crossed home/lan once');
  const noSession = await box.run(['exec', '--session', 'none-running', '--host', 'bob', '--', 'true']);
  assert.equal(noSession.code, 3);
  assert.match(noSession.stderr, /-f TOPOLOGY/);
});

test('vnet exec passes SIGTERM on to the program and exits with the program\'s status', async () => {
  const script = 'trap "exit 42" TERM; echo ready >&2; while :; do sleep 0.05; done';
  const args = ['exec', '--host', 'alice', ...S, '--', 'sh', '-c', script];
  const child = box.spawn(args);
  const done = box.finish(child, args);
  await stderrLine(child, /^ready$/);
  child.kill('SIGTERM');
  const r = await done;
  assert.deepEqual([r.code, r.signal], [42, null], r.stderr);
});

test('impairment applies to bridged traffic: 100 % loss on the uplink and nothing comes back', async () => {
  const before = (await box.json<{ packetsToReal: number }[]>(['proxy', 'ls', ...S]))[0].packetsToReal;
  const f = await box.json<{ id: number }>(['filter', 'add', 'home/uplink', '--loss', '100%', ...S]);
  const r = await box.run(['send', 'alice', '198.51.100.9:7', '--wait', '300ms', ...S]);
  assert.equal(r.code, 124, 'no reply');
  assert.equal((await box.json<{ packetsToReal: number }[]>(['proxy', 'ls', ...S]))[0].packetsToReal, before, 'nothing reached the real server');
  await box.ok(['filter', 'rm', String(f.id), ...S]);
});

test('bad input is a clear error and leaves the session working: port in use, non-loopback, bad addresses, a dead server', async () => {
  const taken = await freePort();
  await box.ok(['map', 'add', '--host', 'alice', '--listen', `127.0.0.1:${taken}`, '--remote', '198.51.100.9:7', ...S]);
  const inUse = await box.run(['map', 'add', '--host', 'alice', '--listen', `127.0.0.1:${taken}`, '--remote', '198.51.100.9:7', ...S]);
  assert.equal(inUse.code, 2);
  assert.match(inUse.stderr, new RegExp(`127\\.0\\.0\\.1:${taken}`));
  const remote = await box.run(['map', 'add', '--host', 'alice', '--listen', '0.0.0.0:0', '--remote', '198.51.100.9:7', ...S]);
  assert.equal(remote.code, 2);
  assert.match(remote.stderr, /--allow-remote/);
  assert.equal((await box.run(['proxy', 'add', '--real', '10.0.0.1:53', '--as', '198.51.100.54:53', ...S])).code, 2);
  assert.equal((await box.run(['proxy', 'add', '--real', '127.0.0.1:53', '--as', 'nowhere', ...S])).code, 2);
  assert.equal((await box.run(['map', 'add', '--host', 'nobody', '--listen', '127.0.0.1:0', '--remote', '198.51.100.9:7', ...S])).code, 2);
  const dead = await freePort(); // nothing listens there
  await box.ok(['proxy', 'add', '--real', `127.0.0.1:${dead}`, '--as', '198.51.100.77:7', ...S]);
  const r = await box.run(['send', 'alice', '198.51.100.77:7', '--wait', '5s', ...S]);
  assert.equal(r.code, 1, 'the proxy answers a dead server with ICMP port unreachable, which send shows');
  assert.match(r.stdout, /ICMP port unreachable \(connection refused\)/);
  await waitFor(async () => {
    const p = (await box.json<{ as: string; errors: number }[]>(['proxy', 'ls', ...S])).find((x) => x.as === '198.51.100.77:7')!;
    return p.errors >= 1;
  }, 'the proxy to count the refused datagram', COMMAND_TIMEOUT_MS, 50);
  await box.ok(['status', ...S]);
});
