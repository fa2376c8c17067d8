// Transparent-host figures: real programs in two network namespaces talking through vnet (a netns
// host behind a NAT → a netns host on the internet), beside the same programs through an engine-less
// TUN relay (two TUN devices, one namespace each, a loop in this process copying every packet across):
// the ceiling for anything that moves packets between two TUNs in one Node process on this machine.
// TCP bulk is iperf3; UDP request/response is a client keeping WINDOW datagrams in flight to an echo
// server. The engine's read path is also measured with the alternative reader (fs.read on libuv's
// thread pool, one packet per callback) to show why the worker thread was kept.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Network } from '../src/engine/network.js';
import { NetnsHosts } from '../src/netns/index.js';
import { addNamespace, configureNamespace, removeNamespace } from '../src/netns/namespace.js';
import { openTun } from '../src/netns/tun.js';
import { TunPort, type TunReader, type TunWriter } from '../src/netns/tun-port.js';

type Report = (f: { name: string; value: number; unit: string; target?: string }) => void;

const TCP_SECONDS = 2;
const UDP_DATAGRAMS = 60_000;
const WINDOW = 32;
const SIZE = 100;

const ECHO = `
const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(m, r.port, r.address));
s.bind(7, process.argv[1], () => process.stdout.write('ready\\n'));
`;

// argv: server address, datagrams, window, size. Prints { ms, received, lost }.
const CLIENT = `
const [addr, total, windowSize, size] = [process.argv[1], ...process.argv.slice(2).map(Number)];
const s = require('node:dgram').createSocket('udp4');
const payload = Buffer.alloc(size, 7);
let sent = 0, received = 0, lost = 0, lastReceived = -1, t0 = 0;
const send = () => { sent++; s.send(payload, 7, addr); };
const refill = () => { while (sent < total && sent - received - lost < windowSize) send(); };
const finish = () => {
  clearInterval(stall);
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, received, lost }) + '\\n');
  s.close();
};
s.on('message', () => { received++; if (received + lost === total) return finish(); refill(); });
const stall = setInterval(() => {
  if (received === lastReceived) { lost += sent - received - lost; if (received + lost === total) return finish(); refill(); }
  lastReceived = received;
}, 50);
s.bind(0, () => { t0 = performance.now(); refill(); });
`;

interface Pair {
  /** Namespace of the client side and of the server side, and the server's address. */
  client: string;
  server: string;
  serverIp: string;
  close(): void;
}

function inNs(ns: string, argv: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
}

function firstLine(p: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    p.once('exit', (code) => reject(new Error(`bench child exited with ${code} before answering`)));
  });
}

function output(p: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`bench child exited with ${code}`))));
  });
}

/** Two namespaces, 10.77.0.1 and 10.77.0.2 on a TUN each, and a loop here copying packets between the TUNs. */
function relayPair(tag: string): Pair {
  const a = `vnet-bench-${process.pid}-${tag}-a`;
  const b = `vnet-bench-${process.pid}-${tag}-b`;
  const ports: TunPort[] = [];
  const fds: number[] = [];
  const sides = [{ ns: a, ip: '10.77.0.1', peer: '10.77.0.2' }, { ns: b, ip: '10.77.0.2', peer: '10.77.0.1' }];
  for (const [i, s] of sides.entries()) {
    addNamespace(s.ns);
    const device = `vb${process.pid.toString(36)}${tag}${i}`.slice(0, 15);
    fds.push(openTun(device));
    configureNamespace({ name: s.ns, device, addresses: [`${s.ip}/24`], mtu: 1500, gateway: s.peer });
  }
  ports.push(new TunPort(fds[0], 1500, (p) => ports[1].write(p), (m) => console.error(m)));
  ports.push(new TunPort(fds[1], 1500, (p) => ports[0].write(p), (m) => console.error(m)));
  return {
    client: a, server: b, serverIp: '10.77.0.2',
    close() {
      for (const p of ports) p.close();
      removeNamespace(a);
      removeNamespace(b);
    },
  };
}

/** alice (netns, behind home's port-restricted NAT) and web (netns, on the internet), through the engine. */
function enginePair(tag: string, reader: TunReader, writer: TunWriter = 'engine'): Pair {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-bench-'));
  const net = new Network({ clock: 'real', seed: 1 });
  const hosts = new NetnsHosts({ session: `bench${process.pid}${tag}`, clock: 'real', runtimeDir: () => dir, alive: () => true, reader, writer });
  net.externalStacks = hosts.attach;
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', ips: ['203.0.113.1'], nat: 'port-restricted' });
  const alice = net.addHost({ name: 'alice', router: 'home', netns: true });
  const web = net.addHost({ name: 'web', router: 'internet', ips: ['198.51.100.8'], netns: true });
  return {
    client: alice.stack!.name, server: web.stack!.name, serverIp: '198.51.100.8',
    close() {
      net.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** iperf3 TCP from client to server for TCP_SECONDS: received Mbit/s and retransmits. */
async function iperf(p: Pair): Promise<{ mbit: number; retransmits: number }> {
  const server = inNs(p.server, ['iperf3', '-s', '-1', '-B', p.serverIp]);
  await new Promise((r) => setTimeout(r, 300)); // iperf3 prints nothing when ready; it binds within this
  try {
    const out = await output(inNs(p.client, ['iperf3', '-c', p.serverIp, '-t', String(TCP_SECONDS), '-J']));
    const j = JSON.parse(out) as { end: { sum_received: { bits_per_second: number }; sum_sent: { retransmits: number } } };
    return { mbit: j.end.sum_received.bits_per_second / 1e6, retransmits: j.end.sum_sent.retransmits };
  } finally {
    server.kill('SIGKILL');
  }
}

/** UDP round trips per second (WINDOW in flight) from client to an echo server. */
async function udp(p: Pair): Promise<{ rtps: number; lost: number }> {
  const echo = inNs(p.server, [process.execPath, '-e', ECHO, p.serverIp]);
  try {
    await firstLine(echo);
    await output(inNs(p.client, [process.execPath, '-e', CLIENT, p.serverIp, '5000', String(WINDOW), String(SIZE)])); // warm-up
    const r = JSON.parse(await output(inNs(p.client, [process.execPath, '-e', CLIENT, p.serverIp, String(UDP_DATAGRAMS), String(WINDOW), String(SIZE)]))) as { ms: number; received: number; lost: number };
    return { rtps: (r.received / r.ms) * 1000, lost: r.lost };
  } finally {
    echo.kill('SIGKILL');
  }
}

export async function netnsBench(report: Report): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('netns: skipped: needs root (network namespaces and TUN devices)');
    return;
  }
  for (const tool of ['ip', 'iperf3']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`netns bench: ${tool} is not installed`);
  }
  // Warm-up (the JIT, the worker threads' start), then engine and relay alternately, the better of two each.
  const relay = relayPair('r');
  const engine = enginePair('e', 'worker');
  let relayTcp, relayUdp, tcp, rt;
  try {
    await udp(engine);
    await udp(relay);
    const best = <T extends object>(a: T, b: T, key: keyof T): T => (a[key] >= b[key] ? a : b);
    const t = [await iperf(engine), await iperf(relay), await iperf(engine), await iperf(relay)];
    tcp = best(t[0], t[2], 'mbit');
    relayTcp = best(t[1], t[3], 'mbit');
    const u = [await udp(engine), await udp(relay), await udp(engine), await udp(relay)];
    rt = best(u[0], u[2], 'rtps');
    relayUdp = best(u[1], u[3], 'rtps');
  } finally {
    relay.close();
    engine.close();
  }
  const threaded = enginePair('w', 'worker', 'thread');
  let wTcp, wRt;
  try {
    await udp(threaded);
    wTcp = await iperf(threaded);
    wRt = await udp(threaded);
  } finally {
    threaded.close();
  }
  const pool = enginePair('p', 'threadpool');
  let poolTcp, poolRt;
  try {
    poolTcp = await iperf(pool);
    poolRt = await udp(pool);
  } finally {
    pool.close();
  }
  report({ name: 'netns.relay.tcp', value: Math.round(relayTcp.mbit), unit: `Mbit/s (iperf3 ${TCP_SECONDS} s through an engine-less TUN relay: the ceiling)` });
  report({ name: 'netns.tcp', value: Math.round(tcp.mbit), unit: `Mbit/s (iperf3, netns host behind a NAT → netns host; ${tcp.retransmits} retransmits)`, target: '>= 150' });
  report({ name: 'netns.tcp.ratio_of_relay', value: tcp.mbit / relayTcp.mbit, unit: 'engine / relay', target: '>= 0.7' });
  report({ name: 'netns.relay.udp', value: Math.round(relayUdp.rtps), unit: `round trips/s (UDP ${SIZE} B, window ${WINDOW}, through the relay; ${relayUdp.lost} lost)` });
  report({ name: 'netns.udp', value: Math.round(rt.rtps), unit: `round trips/s (UDP ${SIZE} B, window ${WINDOW}, through the NAT; ${rt.lost} lost)`, target: '>= 20000' });
  report({ name: 'netns.udp.ratio_of_relay', value: rt.rtps / relayUdp.rtps, unit: 'engine / relay' });
  report({ name: 'netns.writer_thread.tcp', value: Math.round(wTcp.mbit), unit: 'Mbit/s (the same NAT path, writes on a writer thread per device instead of the engine thread)' });
  report({ name: 'netns.writer_thread.udp', value: Math.round(wRt.rtps), unit: 'round trips/s (the same, writer threads)' });
  report({ name: 'netns.threadpool.tcp', value: Math.round(poolTcp.mbit), unit: 'Mbit/s (the same NAT path, devices read with fs.read on the thread pool instead of a worker)' });
  report({ name: 'netns.threadpool.udp', value: Math.round(poolRt.rtps), unit: 'round trips/s (the same, thread-pool reader)' });
}
