// Side by side with Linux: one router with two LANs (10.1.0.0/24 and 10.2.0.0/24), a host on each,
// built in network namespaces this test makes and always removes, and in vnet. Measured both ways:
// the TTL a datagram arrives with across the router (64 sent), and the ICMP time exceeded a TTL-1
// datagram draws in each direction: its type, code and source address (Linux, with its default
// icmp_errors_use_inbound_ifaddr=0, takes the address of the interface the route back leaves by,
// here the one the packet came in on).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { inNs, makeRoutedTriple, run, type RoutedTriple } from './netns-router.js';
import { Network } from '../../src/engine/network.js';
import { formatIpv4 } from '../../src/wire/addr.js';
import type { IcmpMessage } from '../../src/engine/node.js';

let A = '';
let B = '';
let lab: RoutedTriple | undefined;

before(() => {
  lab = makeRoutedTriple('lans', { host: '10.1.0.2', hostDev: 'a0', router: '10.1.0.1', routerDev: 'lan' }, { host: '10.2.0.2', hostDev: 'b0', router: '10.2.0.1', routerDev: 'lan2' });
  ({ A, B } = lab);
});

after(() => lab?.remove());

/** Receives one datagram on port 7000 with IP_RECVTTL and prints its TTL; prints "ready" once bound. */
const RECEIVER = `
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
IP_RECVTTL, IP_TTL = 12, 2  # linux/in.h; Python's socket module names neither
s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
s.bind(('0.0.0.0', 7000))
s.settimeout(5)
print('ready', flush=True)
data, anc, flags, addr = s.recvmsg(2048, 64)
ttl = [struct.unpack('i', d[:4])[0] for (lvl, typ, d) in anc if lvl == socket.IPPROTO_IP and typ == IP_TTL]
print('ttl', ttl[0], addr[0], flush=True)
`;

/** Sends one datagram with TTL 1 to argv[1]:7000 and prints the ICMP error that comes back (type, code, source). */
const PROBER = `
import socket, sys
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
raw.settimeout(5)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
u.sendto(b'probe', (sys.argv[1], 7000))
while True:
    pkt, addr = raw.recvfrom(2048)
    ihl = (pkt[0] & 15) * 4
    if pkt[ihl] in (3, 11):
        print('icmp', pkt[ihl], pkt[ihl + 1], addr[0], flush=True)
        break
`;

function python(ns: string, script: string, args: string[] = []): { lines: Promise<string[]>; ready: Promise<void> } {
  const child = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let readyResolve: () => void = () => {};
  let readyReject: (e: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  child.stdout.on('data', (d: Buffer) => {
    out += String(d);
    if (out.includes('ready')) readyResolve();
  });
  child.stderr.on('data', (d: Buffer) => (err += String(d)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const lines = new Promise<string[]>((resolve, reject) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) return resolve(out.trim().split('\n').filter((l) => l !== 'ready'));
      const e = new Error(`python3 in ${ns} exited ${code}: ${err.trim()}`);
      readyReject(e);
      reject(e);
    });
  });
  return { lines, ready };
}

async function linux(): Promise<string[]> {
  const rx = python(B, RECEIVER);
  rx.lines.catch(() => {}); // awaited below; a failure shows through ready first
  await rx.ready;
  run(inNs(A, 'python3', '-c', "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('10.2.0.2', 7000))"));
  const got = await rx.lines;
  const fromA = await python(A, PROBER, ['10.2.0.2']).lines;
  const fromB = await python(B, PROBER, ['10.1.0.2']).lines;
  return [...got.map((l) => l.split(' ').slice(0, 2).join(' ')), ...fromA, ...fromB];
}

function vnet(): string[] {
  const net = new Network({ clock: 'virtual' });
  net.addRouter({ name: 'r', cidr: '10.1.0.0/24' });
  net.addLan({ router: 'r', name: 'lan2', cidr: '10.2.0.0/24' });
  const a = net.addHost({ name: 'a', router: 'r' });
  const b = net.addHost({ name: 'b', router: 'r', lan: 'lan2' });
  const out: string[] = [];
  b.eth0.addTap({ packet: (p, dir) => { if (dir === 'in' && p.dstPort === 7000) out.push(`ttl ${p.ttl}`); } });
  b.udpBind(7000);
  a.udpBind(0).send('x', 7000, '10.2.0.2');
  net.runUntilIdle();
  for (const [from, to] of [[a, '10.2.0.2'], [b, '10.1.0.2']] as const) {
    const errors: IcmpMessage[] = [];
    const stop = from.onIcmp((m) => errors.push(m));
    const s = from.udpBind(0);
    s.setTTL(1);
    s.send('probe', 7000, to);
    net.runUntilIdle();
    stop();
    out.push(...errors.map((m) => `icmp ${m.type} ${m.code} ${formatIpv4(m.from)}`));
  }
  return out;
}

test('one router, two LANs: TTL across it and the time exceeded each way match Linux', async () => {
  const measured = await linux();
  assert.deepEqual(measured, ['ttl 63', 'icmp 11 0 10.1.0.1', 'icmp 11 0 10.2.0.1'], 'what Linux did');
  assert.deepEqual(vnet(), measured);
});
