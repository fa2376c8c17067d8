// Bridge figures: a real client → map → virtual NAT → proxy → a real echo server, against the
// same client talking to that echo server directly over loopback, in the same run.
// The echo server and the client are each a child process (as socat or dig would be), so in the
// bridged case the bench process does only the bridging and the engine, and in the direct case
// nothing: each side gets a core of its own in both runs. The client keeps a window of datagrams
// in flight (a lost one is given up after a 20 ms stall), so the figure is throughput, not latency.
// Per round trip the bridge makes four real socket calls (receive from the client, send to the
// server, receive the reply, send it back) where the echo server makes two; the virtual path in
// between is in memory. With node:dgram's one system call per datagram that bounds the ratio near
// 0.5 for a trivial server, lower when three busy processes share fewer than three cores.
// The ceiling is measured in the same run: a relay child with no engine at all (two node:dgram
// sockets, forwarding as fast as they can) between the same client and echo server. Nothing that
// bridges through a third process on this machine can do better than that relay.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Bridge } from '../src/bridge/index.js';
import { Network } from '../src/engine/network.js';

type Report = (f: { name: string; value: number; unit: string; target?: string }) => void;

const DATAGRAMS = 60_000;
const WINDOW = Number(process.env.VNET_BENCH_WINDOW ?? 128);
const SIZE = 100;

const ECHO = `
const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(m, r.port, r.address));
s.bind(0, '127.0.0.1', () => process.stdout.write(s.address().port + '\\n'));
`;

const CLIENT = `
const [port, total, windowSize, size] = process.argv.slice(1).map(Number);
const s = require('node:dgram').createSocket('udp4');
const payload = Buffer.alloc(size, 7);
let sent = 0, received = 0, lost = 0, lastReceived = -1, t0 = 0;
const send = () => { sent++; s.send(payload, port, '127.0.0.1'); };
const refill = () => { while (sent < total && sent - received - lost < windowSize) send(); };
const finish = () => {
  const ms = performance.now() - t0;
  clearInterval(stall);
  process.stdout.write(JSON.stringify({ ms, received, lost }) + '\\n');
  s.close();
};
s.on('message', () => {
  received++;
  if (received + lost === total) return finish();
  refill();
});
const stall = setInterval(() => {
  if (received === lastReceived) { lost += sent - received - lost; if (received + lost === total) return finish(); refill(); }
  lastReceived = received;
}, 20);
s.bind(0, '127.0.0.1', () => { t0 = performance.now(); refill(); });
`;

// A bridge without the virtual network: learns the client like a map, forwards over a connected
// socket like a proxy. argv: echo port. Prints its own port.
const RELAY = `
const dgram = require('node:dgram');
const echoPort = Number(process.argv[1]);
const front = dgram.createSocket('udp4'), back = dgram.createSocket('udp4');
let clientPort = 0, clientAddress = '';
front.on('message', (m, r) => { clientPort = r.port; clientAddress = r.address; back.send(m); });
back.on('message', (m) => front.send(m, clientPort, clientAddress));
back.bind(0, '127.0.0.1', () => back.connect(echoPort, '127.0.0.1', () =>
  front.bind(0, '127.0.0.1', () => process.stdout.write(front.address().port + '\\n'))));
`;

interface Trial {
  pps: number;
  lost: number;
}

function child(script: string, args: (string | number)[]): { proc: ChildProcess; line: Promise<string> } {
  const proc = spawn(process.execPath, ['-e', script, ...args.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    proc.once('exit', (code) => reject(new Error(`bench child exited with ${code} before answering`)));
  });
  return { proc, line };
}

async function runClient(port: number, count: number): Promise<Trial> {
  const { line } = child(CLIENT, [port, count, WINDOW, SIZE]);
  const r = JSON.parse(await line) as { ms: number; received: number; lost: number };
  return { pps: (r.received / r.ms) * 1000, lost: r.lost };
}

function median(xs: Trial[]): Trial {
  return [...xs].sort((a, b) => a.pps - b.pps)[Math.floor(xs.length / 2)];
}

export async function bridgeBench(report: Report): Promise<void> {
  const echo = child(ECHO, []);
  const echoPort = Number(await echo.line);
  const relay = child(RELAY, [echoPort]);
  const relayPort = Number(await relay.line);
  const net = new Network({ clock: 'real', seed: 1 });
  const bridge = new Bridge(net);
  try {
    net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
    net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', ips: ['203.0.113.1'], nat: 'port-restricted' });
    net.addHost({ name: 'alice', router: 'home' });
    await bridge.addProxy({ real: `127.0.0.1:${echoPort}`, as: '198.51.100.53:7' });
    const map = await bridge.addMap({ host: 'alice', listen: '127.0.0.1:0', remote: '198.51.100.53:7' });
    const mapPort = map.listenPort;

    await runClient(mapPort, 10_000); // warm-up: the bridge's JIT
    const direct: Trial[] = [];
    const bridged: Trial[] = [];
    const relayed: Trial[] = [];
    await runClient(relayPort, 10_000);
    for (let i = 0; i < 3; i++) {
      direct.push(await runClient(echoPort, DATAGRAMS));
      bridged.push(await runClient(mapPort, DATAGRAMS));
      relayed.push(await runClient(relayPort, DATAGRAMS));
    }
    const d = median(direct);
    const b = median(bridged);
    const r = median(relayed);
    report({ name: 'bridge.direct.pps', value: Math.round(d.pps), unit: `round trips/s (real client → real echo over loopback, window ${WINDOW}, ${SIZE} B)` });
    report({ name: 'bridge.bridged.pps', value: Math.round(b.pps), unit: 'round trips/s (client → map → NAT → proxy → echo and back)' });
    report({ name: 'bridge.ratio', value: b.pps / d.pps, unit: `bridged / direct (${availableParallelism()} cores for 3 processes)`, target: '>= 0.8' });
    report({ name: 'bridge.relay.pps', value: Math.round(r.pps), unit: 'round trips/s (client → a relay with no engine → echo and back: the ceiling)' });
    report({ name: 'bridge.relay.ratio', value: r.pps / d.pps, unit: 'relayed / direct: the best a bridge in a third process gets on this machine' });
    report({ name: 'bridge.ratio_of_ceiling', value: b.pps / r.pps, unit: 'bridged / relayed: what the engine and bridge cost beyond the real sockets' });
    report({ name: 'bridge.lost', value: d.lost + b.lost + r.lost, unit: `datagrams given up (median trials, of ${3 * DATAGRAMS})` });
  } finally {
    await bridge.close();
    net.close();
    echo.proc.kill();
    relay.proc.kill();
  }
}
