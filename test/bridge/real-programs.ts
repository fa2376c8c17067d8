// Stand-ins for real programs in bridge tests: a node:dgram echo server and client on
// 127.0.0.1, and the virtual network they are bridged into. A free port and a bounded wait
// come from ../e2e/real-programs.ts (freePort, waitFor).
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { Network } from '../../src/engine/network.js';
import type { NatPreset } from '../../src/engine/network.js';

export interface RealEcho {
  port: number;
  /** "127.0.0.1:PORT" of every datagram's source, in order. */
  sources: string[];
  close(): Promise<void>;
}

/** A real UDP echo server on 127.0.0.1 (port 0 = a free one). */
export async function startEcho(port = 0): Promise<RealEcho> {
  const s = dgram.createSocket('udp4');
  const sources: string[] = [];
  s.on('message', (msg, rinfo) => {
    sources.push(`${rinfo.address}:${rinfo.port}`);
    s.send(msg, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve());
  });
  return { port: (s.address() as AddressInfo).port, sources, close: () => new Promise((r) => s.close(() => r())) };
}

export interface RealClient {
  sock: dgram.Socket;
  port: number;
  got: { data: string; from: string }[];
  send(data: string, port: number, address?: string): void;
  close(): Promise<void>;
}

/** A real UDP client on 127.0.0.1 that keeps what it receives. */
export async function startClient(): Promise<RealClient> {
  const sock = dgram.createSocket('udp4');
  const got: { data: string; from: string }[] = [];
  sock.on('message', (msg, rinfo) => got.push({ data: msg.toString(), from: `${rinfo.address}:${rinfo.port}` }));
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  return {
    sock, got, port: (sock.address() as AddressInfo).port,
    send: (data, port, address = '127.0.0.1') => sock.send(data, port, address),
    close: () => new Promise((r) => sock.close(() => r())),
  };
}

/**
 * internet 0.0.0.0/0 with host `server` 198.51.100.7; router `home` 192.168.1.0/24 (uplink
 * 203.0.113.1) behind `nat` with hosts alice 192.168.1.2 and bob 192.168.1.3.
 */
export function homeNetwork(nat: NatPreset = 'symmetric'): Network {
  const net = new Network({ clock: 'virtual', seed: 7 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', ips: ['203.0.113.1'], nat });
  net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  net.addHost({ name: 'alice', router: 'home', ips: ['192.168.1.2'] });
  net.addHost({ name: 'bob', router: 'home', ips: ['192.168.1.3'] });
  return net;
}
