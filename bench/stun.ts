// STUN: Binding requests served per second by a vnet STUN server to a host behind one NAT, beside
// the same request/response shape with no STUN work (a plain echo on the server host) and the nat2
// one-way rate, all measured in this run.
import { Network } from '../src/engine/network.js';
import type { VSocket } from '../src/engine/socket.js';
import { stunServers } from '../src/services/stun-registry.js';
import { encodeStun, STUN_METHOD_BINDING } from '../src/wire/stun.js';
import { nat2Workload, sendTrial } from './workloads.js';

type Report = (f: { name: string; value: number; unit: string; target?: string }) => void;

const REQUESTS = 100_000;
const BATCH = 500;

/** Sends REQUESTS copies of `payload` from `client` to address:port in batches; returns answers received per second (median of three after a warm-up). */
function roundTrips(net: Network, client: VSocket, payload: Uint8Array, port: number, address: string): { perS: number; answered: number } {
  let answered = 0;
  client.on('message', () => answered++);
  const trial = (): { perS: number; answered: number } => {
    answered = 0;
    const t0 = performance.now();
    for (let sent = 0; sent < REQUESTS; sent += BATCH) {
      for (let i = 0; i < BATCH; i++) client.sendBytes(payload, port, address);
      net.runDue();
    }
    return { perS: (answered / (performance.now() - t0)) * 1000, answered };
  };
  trial();
  const runs = [trial(), trial(), trial()].sort((a, b) => a.perS - b.perS);
  client.removeAllListeners('message');
  return runs[1];
}

export function stunBench(report: Report): void {
  const net = new Network({ clock: 'virtual', seed: 1 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', ips: ['203.0.113.1'], nat: 'port-restricted' });
  const host = net.addHost({ name: 'a', router: 'home' });
  stunServers(net).add({ name: 'stun1', router: 'internet', ip: '198.51.100.10', altIp: '198.51.100.11' });
  const client = host.udpBind(5000);
  client.setRecvBufferSize(64 * 1024 * 1024);
  const request = encodeStun({ method: STUN_METHOD_BINDING, cls: 'request', transactionId: new Uint8Array(12).fill(7), attributes: [] }, true);
  const stun = roundTrips(net, client, request, 3478, '198.51.100.10');
  // The ceiling for this shape: an echo of the same bytes on the server host, no parsing or encoding.
  const echo = net.host('stun1').udpBind(7);
  echo.setRecvBufferSize(64 * 1024 * 1024);
  echo.on('message', (msg: Buffer, rinfo: { address: string; port: number }) => echo.sendBytes(msg, rinfo.port, rinfo.address));
  const plain = roundTrips(net, client, request, 7, '198.51.100.10');
  report({ name: 'stun.binding_per_s', value: Math.round(stun.perS), unit: 'requests answered/s (behind one NAT; 28-byte request, 112-byte RFC 5780 answer)' });
  report({ name: 'stun.answered', value: stun.answered, unit: `of ${REQUESTS} requests` });
  report({ name: 'stun.echo_round_trips_per_s', value: Math.round(plain.perS), unit: 'round trips/s (same path, plain echo: the ceiling)' });
  report({ name: 'stun.ratio_of_echo', value: Math.round((stun.perS / plain.perS) * 100) / 100, unit: 'x' });
  const n2 = nat2Workload();
  const one = sendTrial(n2.net, n2.from, n2.port, '203.0.113.2', n2.to, { datagrams: 200_000, batch: 1000, size: 100 });
  report({ name: 'stun.nat2_pps_same_run', value: Math.round(one.pps), unit: 'pps (nat2 one way, this run)' });
}
