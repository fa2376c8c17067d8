// Test helpers: small networks and collectors for datagrams, on the virtual clock.
import { Network } from '../src/engine/network.js';
import type { VSocket } from '../src/engine/socket.js';
import type { NatOptions } from '../src/engine/nat/config.js';

export interface Received {
  data: string;
  from: string;
  port: number;
  time: number;
}

/** Everything a socket receives, with the engine time it arrived. */
export function collect(sock: VSocket, net: Network): Received[] {
  const got: Received[] = [];
  sock.on('message', (msg: Buffer, rinfo: { address: string; port: number }) => {
    got.push({ data: msg.toString(), from: rinfo.address, port: rinfo.port, time: net.now() });
  });
  return got;
}

/**
 * internet (0.0.0.0/0) with hosts y1 198.51.100.1, y2 198.51.100.2, z 198.51.100.3;
 * router `home` 192.168.1.0/24 behind a NAT (uplink 203.0.113.1) with hosts x (192.168.1.2) and x2 (192.168.1.3).
 */
export function natNetwork(nat: NatOptions | string, seed = 1): Network {
  const net = new Network({ clock: 'virtual', seed });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({
    name: 'home', parent: 'internet', cidr: '192.168.1.0/24', ips: ['203.0.113.1'],
    nat: typeof nat === 'string' ? (nat as never) : nat,
  });
  net.addHost({ name: 'y1', router: 'internet', ips: ['198.51.100.1'] });
  net.addHost({ name: 'y2', router: 'internet', ips: ['198.51.100.2'] });
  net.addHost({ name: 'z', router: 'internet', ips: ['198.51.100.3'] });
  net.addHost({ name: 'x', router: 'home', ips: ['192.168.1.2'] });
  net.addHost({ name: 'x2', router: 'home', ips: ['192.168.1.3'] });
  return net;
}
