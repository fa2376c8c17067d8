// Multicast fan-out: one source on the internet, a core router and 8 leaf routers below it (a tree
// of today's two-interface routers), 10 members on each leaf's LAN: every datagram is delivered 80
// times. The figure is delivered datagrams/s, beside nat2's unicast rate measured in the same run.
import { Network } from '../src/engine/network.js';
import { nat2Workload, sendTrial } from './workloads.js';

type Report = (f: { name: string; value: number; unit: string; target?: string }) => void;

const LEAVES = 8;
const MEMBERS = 10;
const SOURCE_DATAGRAMS = 25_000;
const SIZE = 100;
const G = '239.1.1.1';
const S = '198.51.100.1';

function fanOut(): { net: Network; send: () => void; delivered: () => number } {
  const net = new Network({ clock: 'virtual', seed: 1 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  const src = net.addHost({ name: 'src', router: 'internet', ips: [S] });
  net.addRouter({ name: 'core', parent: 'internet', cidr: '10.0.0.0/24', nat: 'none', multicast: { forwarding: true } });
  net.addMroute({ router: 'core', source: S, group: G, in: 'uplink', out: ['lan'] });
  let delivered = 0;
  const count = (): void => {
    delivered++;
  };
  for (let l = 0; l < LEAVES; l++) {
    net.addRouter({ name: `leaf${l}`, parent: 'core', cidr: `10.${l + 1}.0.0/24`, nat: 'none', multicast: { forwarding: true } });
    net.addMroute({ router: `leaf${l}`, source: S, group: G, in: 'uplink', out: ['lan'] });
    for (let m = 0; m < MEMBERS; m++) {
      const s = net.addHost({ name: `h${l}-${m}`, router: `leaf${l}` }).udpBind(5000);
      s.setRecvBufferSize(64 * 1024 * 1024);
      s.addMembership(G);
      s.on('message', count);
    }
  }
  net.runUntilIdle();
  const tx = src.udpBind(4000);
  tx.setMulticastTTL(16);
  const payload = Buffer.alloc(SIZE, 7);
  return {
    net,
    send: () => {
      for (let sent = 0; sent < SOURCE_DATAGRAMS; sent += 100) {
        for (let i = 0; i < 100; i++) tx.sendBytes(payload, 5000, G);
        net.runDue();
      }
    },
    delivered: () => delivered,
  };
}

function trial(w: ReturnType<typeof fanOut>): number {
  const before = w.delivered();
  const t0 = performance.now();
  w.send();
  const ms = performance.now() - t0;
  const n = w.delivered() - before;
  if (n !== SOURCE_DATAGRAMS * LEAVES * MEMBERS) throw new Error(`delivered ${n} of ${SOURCE_DATAGRAMS * LEAVES * MEMBERS}`);
  return (n / ms) * 1000;
}

export function multicastBench(report: Report): void {
  const w = fanOut();
  trial(w);
  const runs = [trial(w), trial(w), trial(w)].sort((a, b) => a - b);
  report({ name: 'multicast.fanout80.delivered_per_s', value: Math.round(runs[1]), unit: 'datagrams/s delivered (1 source → 8 LANs × 10 members)', target: '≥ 1,000,000' });
  report({ name: 'multicast.fanout80.source_pps', value: Math.round(runs[1] / (LEAVES * MEMBERS)), unit: 'source datagrams/s (each delivered 80 times)' });
  const { net, from, to, port } = nat2Workload();
  to.setRecvBufferSize(64 * 1024 * 1024);
  sendTrial(net, from, port, '203.0.113.2', to, { datagrams: 200_000, batch: 1000, size: SIZE });
  const nat2 = [0, 1, 2].map(() => sendTrial(net, from, port, '203.0.113.2', to, { datagrams: 200_000, batch: 1000, size: SIZE }).pps).sort((a, b) => a - b)[1];
  report({ name: 'multicast.peer_nat2_pps', value: Math.round(nat2), unit: 'pps unicast nat2 in the same run (the peer figure)' });
  w.net.close();
  net.close();
}
