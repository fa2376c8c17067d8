// Side by side with Linux: the same path (client link 1500, router, next hop 1400) built in network
// namespaces this test creates and always removes, and in vnet. Three 1450-byte datagrams from a
// socket with DF clear (IP_PMTUDISC_DONT), then three from a default socket (IP_PMTUDISC_WANT):
// Linux delivers 3 of 3 (the router fragments), then 2 of 3 (the first draws "fragmentation needed",
// the next are fragmented by the sender at the learnt path MTU). vnet must count the same.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { inNs, makeRoutedTriple, run, type RoutedTriple } from '../linux/netns-router.js';
import { Network } from '../../src/engine/network.js';
import { REASSEMBLY_LIMIT_BYTES, REASSEMBLY_TIMEOUT_NS } from '../../src/engine/fragments.js';
import { MIN_PMTU, PMTU_EXPIRES_NS } from '../../src/engine/pmtu.js';

let A = '';
let B = '';
let lab: RoutedTriple | undefined;

before(() => {
  lab = makeRoutedTriple('frag', { host: '10.1.0.1', hostDev: 'a0', router: '10.1.0.254', routerDev: 'r0' }, { host: '10.2.0.1', hostDev: 'b0', router: '10.2.0.254', routerDev: 'r1', mtu: 1400 });
  ({ A, B } = lab);
});

after(() => lab?.remove());

const SERVER = `
import socket, select, sys, time, json
socks = {}
for port in (7000, 7001):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', port)); socks[s] = port
counts = {7000: 0, 7001: 0}
print('ready', flush=True)
end = time.time() + 4
while time.time() < end:
    r, _, _ = select.select(list(socks), [], [], 0.1)
    for s in r:
        data = s.recv(65535)
        if len(data) == 1450: counts[socks[s]] += 1
print(json.dumps(counts), flush=True)
`;

const CLIENT = `
import socket, time
dont = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dont.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT
default = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for s, port in ((dont, 7000), (default, 7001)):
    for i in range(3):
        s.sendto(b'x' * 1450, ('10.2.0.1', port))
        time.sleep(0.2)
`;

/** Runs python3 in a namespace; resolves with its stdout lines as they come, killed at the end whatever happens. */
async function linuxCounts(): Promise<Record<string, number>> {
  const server = spawn('ip', inNs(B, 'python3', '-c', SERVER).slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const lines: string[] = [];
    let started = false;
    let stderr = '';
    server.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server in ${B} gave no result in 10 s: ${stderr}`)), 10_000);
      server.stdout.on('data', (d: Buffer) => {
        lines.push(...d.toString().split('\n').filter((l) => l !== ''));
        if (!started && lines.includes('ready')) {
          started = true;
          run(inNs(A, 'python3', '-c', CLIENT));
        }
        if (lines.length >= 2) {
          clearTimeout(timer);
          resolve();
        }
      });
      server.on('exit', (code) => { if (lines.length < 2) { clearTimeout(timer); reject(new Error(`server exited ${code}: ${stderr}`)); } });
    });
    await done;
    return JSON.parse(lines[1]) as Record<string, number>;
  } finally {
    server.kill('SIGKILL');
  }
}

function vnetCounts(): Record<string, number> {
  const net = new Network({ clock: 'virtual', seed: 2 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'mid', parent: 'internet', cidr: '10.1.0.0/24', nat: 'none', mtu: 1400 });
  net.addHost({ name: 'b', router: 'internet', ips: ['10.2.0.1'] });
  net.addHost({ name: 'a', router: 'mid', mtu: 1500 });
  net.iface('mid/lan').mtu = 1500;
  const counts: Record<string, number> = { 7000: 0, 7001: 0 };
  for (const port of [7000, 7001]) net.host('b').udpBind(port).on('message', (m: Buffer) => { if (m.length === 1450) counts[port]++; });
  const dont = net.host('a').udpBind(0);
  dont.setMtuDiscover('dont');
  const def = net.host('a').udpBind(0);
  for (const [s, port] of [[dont, 7000], [def, 7001]] as const) {
    for (let i = 0; i < 3; i++) {
      s.send(Buffer.alloc(1450, 0x78), port, '10.2.0.1');
      net.advance('200ms');
    }
  }
  net.runUntilIdle();
  return counts;
}

test('3 datagrams of 1450 bytes over a 1400-byte next hop: DF clear 3 of 3, default socket 2 of 3, in Linux and in vnet', async () => {
  const linux = await linuxCounts();
  assert.deepEqual(linux, { 7000: 3, 7001: 2 }, 'Linux');
  assert.deepEqual(vnetCounts(), linux, 'vnet as Linux');
  // The sender cached the path MTU for that destination only, with an expiry (Linux: "mtu 1400 ... expires 5xxsec").
  assert.match(run(inNs(A, 'ip', '-4', 'route', 'get', '10.2.0.1')), /expires \d+sec mtu 1400/);
  assert.doesNotMatch(run(inNs(A, 'ip', '-4', 'route', 'get', '10.2.0.254')), /mtu 1400/);
});

test('vnet\'s fragment and path-MTU constants are Linux\'s defaults, read from a fresh namespace', () => {
  const get = (key: string): number => Number(run(inNs(B, 'sysctl', '-n', key)).trim());
  assert.equal(get('net.ipv4.ipfrag_time') * 1e9, REASSEMBLY_TIMEOUT_NS);
  assert.equal(get('net.ipv4.ipfrag_high_thresh'), REASSEMBLY_LIMIT_BYTES);
  assert.equal(get('net.ipv4.route.min_pmtu'), MIN_PMTU);
  assert.equal(get('net.ipv4.route.mtu_expires') * 1e9, PMTU_EXPIRES_NS);
});
