// Topologies shared by the bench files.
import { Network } from '../src/engine/network.js';
import type { VSocket } from '../src/engine/socket.js';

export interface Nat2 {
  net: Network;
  /** a's socket (port 5000, behind nat-a) */
  from: VSocket;
  /** b's socket (port 7000, behind nat-b) */
  to: VSocket;
  /** b's external port on nat-b (203.0.113.2): where `from` sends */
  port: number;
}

/** nat2: a behind nat-a and b behind nat-b (port-restricted), both mappings opened by a hole punch. */
export function nat2Workload(): Nat2 {
  const net = new Network({ clock: 'virtual', seed: 1 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'nat-a', parent: 'internet', cidr: '192.168.1.0/24', ips: ['203.0.113.1'], nat: 'port-restricted' });
  net.addRouter({ name: 'nat-b', parent: 'internet', cidr: '192.168.2.0/24', ips: ['203.0.113.2'], nat: 'port-restricted' });
  const from = net.addHost({ name: 'a', router: 'nat-a' }).udpBind(5000);
  const to = net.addHost({ name: 'b', router: 'nat-b' }).udpBind(7000);
  to.setRecvBufferSize(64 * 1024 * 1024);
  from.send('open', 7000, '203.0.113.2');
  net.runDue();
  to.send('open', net.router('nat-a').nat!.records()[0].externalPort, '203.0.113.1');
  net.runDue();
  const port = net.router('nat-b').nat!.records()[0].externalPort;
  from.send('open', port, '203.0.113.2');
  net.runDue();
  return { net, from, to, port };
}

/**
 * Sends `datagrams` datagrams of `size` bytes from `from` to `address`:`port` in batches, draining
 * the engine between batches so nothing overflows; returns what `sink` received and the rate (pps, unrounded).
 */
export function sendTrial(
  net: Network, from: VSocket, port: number, address: string, sink: VSocket, opts: { datagrams: number; batch: number; size: number },
): { pps: number; delivered: number } {
  let delivered = 0;
  const count = (): void => {
    delivered++;
  };
  sink.on('message', count);
  const payload = Buffer.alloc(opts.size, 7);
  const t0 = performance.now();
  for (let sent = 0; sent < opts.datagrams; ) {
    const n = Math.min(opts.batch, opts.datagrams - sent);
    for (let i = 0; i < n; i++) from.sendBytes(payload, port, address);
    sent += n;
    net.runDue();
  }
  const ms = performance.now() - t0;
  sink.off('message', count);
  return { pps: (delivered / ms) * 1000, delivered };
}
