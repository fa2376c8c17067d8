// Captures through the CLI and a real daemon, read back by tshark (checksums checked, no expert warnings).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CliSandbox, COMMAND_TIMEOUT_MS, waitUntil } from './cli-helpers.js';

const box = new CliSandbox();
after(() => box.cleanup());

const CHECKS = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'];

function requireTshark(): void {
  if (spawnSync('tshark', ['--version']).status !== 0) throw new Error('tshark is needed to read captures back; apt-get install -y tshark');
}

/** tshark's fields for every frame of a file, one array per frame. */
function fields(file: string, names: string[]): string[][] {
  const r = spawnSync('tshark', ['-r', file, ...CHECKS, '-T', 'fields', '-E', 'separator=|', ...names.flatMap((n) => ['-e', n])], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => l.split('|'));
}

/** tshark's expert info for a file: must hold no warnings, errors or malformed packets. */
function assertClean(file: string): void {
  const r = spawnSync('tshark', ['-r', file, ...CHECKS, '-q', '-z', 'expert,warn'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /Warns|Errors|Malformed|Bad checksum/i, `tshark's expert info for ${file}:\n${r.stdout}`);
}

const S = ['--session', 'cap'];

before(async () => {
  requireTshark();
  await box.ok(['up', '--clock', 'virtual', '--seed', '1', ...S]);
  await box.ok(['router', 'add', 'internet', '--cidr', '0.0.0.0/0', ...S]);
  await box.ok(['router', 'add', 'home', '--parent', 'internet', '--cidr', '192.168.1.0/24', '--nat', 'port-restricted', '--ip', '203.0.113.10', '--vlan', '100', ...S]);
  await box.ok(['host', 'add', 'alice', '--router', 'home', '--ip', '192.168.1.20', ...S]);
  await box.ok(['host', 'add', 'server', '--router', 'internet', '--ip', '198.51.100.7', ...S]);
});

test('capture start/ls/stop: a pcapng of home/lan and home/uplink shows addresses before and after NAT, VLAN tags and TTLs', async () => {
  const file = join(box.dir, 'home.pcapng');
  const started = await box.json<{ id: number; file: string; format: string }>(['capture', 'start', 'home/lan', 'home/uplink', '-w', file, ...S]);
  assert.equal(started.format, 'pcapng');
  await box.ok(['send', 'alice', '198.51.100.7:9', '--data', 'hi', '--count', '2', ...S]);
  const ls = await box.json<{ id: number; packets: number; state: string }[]>(['capture', 'ls', ...S]);
  assert.deepEqual(ls.map((c) => [c.id, c.state]), [[started.id, 'running']]);
  await box.ok(['capture', 'stop', String(started.id), ...S]);
  assertClean(file);
  const frames = fields(file, ['frame.interface_name', 'vlan.id', 'ip.src', 'ip.dst', 'ip.ttl', 'ip.proto']);
  const udp = frames.filter((f) => f[5] === '17');
  const lan = udp.filter((f) => f[0] === 'home/lan');
  const up = udp.filter((f) => f[0] === 'home/uplink');
  assert.equal(lan.length, 2);
  assert.equal(up.length, 2);
  for (const f of lan) assert.deepEqual([f[1], f[2], f[3], f[4]], ['100', '192.168.1.20', '198.51.100.7', '64'], 'on the LAN: the private source, TTL as sent');
  for (const f of up) assert.deepEqual([f[1], f[2], f[3], f[4]], ['100', '203.0.113.10', '198.51.100.7', '63'], 'on the uplink: the NAT\'s address, one hop less');
  const status = await box.json<{ routers: { name: string; interfaces: { name: string; stats: { rxPackets: number; txPackets: number } }[] }[] }>(['status', ...S]);
  const ifaces = status.routers.find((r) => r.name === 'home')!.interfaces;
  for (const name of ['home/lan', 'home/uplink']) {
    const st = ifaces.find((i) => i.name === name)!.stats;
    assert.equal(frames.filter((f) => f[0] === name).length, st.rxPackets + st.txPackets, `${name}: as many frames as the engine counted`);
  }
});

test('capture -w - streams to stdout, flushed per packet: tshark reading the pipe sees a packet before the capture ends', async () => {
  const vnet = box.spawn(['capture', 'start', 'server', '-w', '-', ...S]);
  const ended = box.finish(vnet, ['capture', 'start', '-w', '-']);
  const tshark = spawn('tshark', ['-l', '-i', '-', ...CHECKS, '-T', 'fields', '-e', 'ip.src', '-e', 'udp.dstport'], { stdio: ['pipe', 'pipe', 'pipe'] });
  vnet.stdout!.pipe(tshark.stdin);
  let seen = '';
  const sawPacket = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tshark saw no packet within ${COMMAND_TIMEOUT_MS} ms: ${seen}`)), COMMAND_TIMEOUT_MS);
    tshark.stdout.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('203.0.113.10\t4242')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const streaming = new Promise<void>((resolve) => vnet.stderr!.on('data', (d: Buffer) => d.toString().includes('streaming') && resolve()));
  try {
    await streaming;
    await box.ok(['send', 'alice', '198.51.100.7:4242', ...S]);
    await sawPacket;
    await box.ok(['capture', 'stop', '--all', ...S]);
    const r = await ended;
    assert.equal(r.code, 0, r.stderr);
  } finally {
    tshark.kill();
  }
});

test('a capture to a path that cannot be written is exit 2 with the path and the reason; the session goes on', async () => {
  const r = await box.run(['capture', 'start', 'home/lan', '-w', '/nonexistent-dir/x.pcapng', ...S]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /\/nonexistent-dir\/x\.pcapng/);
  const pcapTwo = await box.run(['capture', 'start', 'home/lan', 'home/uplink', '-w', join(box.dir, 'two.pcap'), ...S]);
  assert.equal(pcapTwo.code, 2);
  assert.match(pcapTwo.stderr, /pcapng/);
  assert.equal((await box.run(['capture', 'start', 'nowhere/lan', '-w', join(box.dir, 'n.pcapng'), ...S])).code, 2);
  assert.equal((await box.run(['capture', 'stop', '99', ...S])).code, 2);
  await box.ok(['status', ...S]);
});

test('vnet down flushes and closes running captures; a topology file\'s captures start with up -f and come back in export', async () => {
  const topo = join(box.dir, 'cap.yaml');
  writeFileSync(topo, [
    'routers:',
    '  - { name: internet, cidr: 0.0.0.0/0 }',
    '  - { name: home, parent: internet, cidr: 10.1.0.0/16, nat: symmetric }',
    'hosts:',
    '  - { name: alice, router: home }',
    '  - { name: server, router: internet, ips: [198.51.100.7] }',
    'captures:',
    '  - { on: [home/lan, home/uplink], file: topo-capture.pcapng }',
    '  - { on: server, file: server.pcap }',
    '',
  ].join('\n'));
  await box.ok(['up', '--clock', 'virtual', '-f', topo, '--session', 'flush']);
  const exported = await box.ok(['export', '--session', 'flush']);
  assert.match(exported, /topo-capture\.pcapng/);
  assert.match(exported, /server\.pcap/);
  await box.ok(['send', 'alice', '198.51.100.7:9999', '--count', '3', '--session', 'flush']);
  await box.ok(['down', '--session', 'flush']);
  const pcapng = join(box.dir, 'topo-capture.pcapng');
  const pcap = join(box.dir, 'server.pcap');
  assert.ok(existsSync(pcapng) && existsSync(pcap), 'capture files are relative to the topology file');
  assertClean(pcapng);
  assertClean(pcap);
  assert.equal(fields(pcapng, ['frame.interface_name']).filter((f) => f[0] === 'home/uplink').length, 3 + 3, 'three datagrams out, three port unreachables back');
  assert.equal(fields(pcap, ['ip.src']).length, 6);
  assert.equal(readFileSync(pcap).readUInt32LE(0), 0xa1b23c4d, 'pcap with nanosecond timestamps');
});

test('SIGTERM to the daemon flushes and closes captures too', async () => {
  await box.ok(['up', '--clock', 'virtual', '--session', 'term']);
  await box.ok(['router', 'add', 'internet', '--cidr', '0.0.0.0/0', '--session', 'term']);
  await box.ok(['host', 'add', 'a', '--router', 'internet', '--session', 'term']);
  await box.ok(['host', 'add', 'b', '--router', 'internet', '--session', 'term']);
  const file = join(box.dir, 'term.pcapng');
  await box.ok(['capture', 'start', 'a', '-w', file, '--session', 'term']);
  const b = (await box.json<{ ips: string[] }>(['host', 'show', 'b', '--session', 'term'])).ips[0];
  await box.ok(['send', 'a', `${b}:7`, '--count', '5', '--session', 'term']);
  const pid = box.pidOf('term')!;
  process.kill(pid, 'SIGTERM');
  await waitUntil(() => !existsSync(join(box.dir, 'term.pid')), 'the daemon to stop on SIGTERM and remove its pid file');
  assertClean(file);
  assert.equal(fields(file, ['ip.src']).length, 10, 'five datagrams and five port unreachables');
});
