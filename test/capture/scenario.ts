// A small network for capture tests, on the virtual clock: alice behind home's NAT (one VLAN tag),
// bob behind corp's NAT (QinQ), a server on the internet; traffic with UDP, ICMP and TCP.
import { Network } from '../../src/engine/network.js';
import { formatIpv4, parseIpv4 } from '../../src/wire/addr.js';
import { PROTO_TCP, type Packet } from '../../src/wire/packet.js';

export const SERVER = '198.51.100.7';

export function captureNetwork(seed = 1): Network {
  const net = new Network({ clock: 'virtual', seed });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', ips: ['203.0.113.10'], nat: 'port-restricted', vlan: [100] });
  net.addRouter({ name: 'corp', parent: 'internet', cidr: '10.1.0.0/16', ips: ['203.0.113.20'], nat: 'symmetric', vlan: [300, 42] });
  net.addHost({ name: 'alice', router: 'home', ips: ['192.168.1.20'] });
  net.addHost({ name: 'bob', router: 'corp', ips: ['10.1.0.5'] });
  net.addHost({ name: 'server', router: 'internet', ips: [SERVER] });
  return net;
}

/** A TCP segment: seq 1, offset 5, `flags`, window 65535; the codec fills the checksum. */
export function tcpSegment(src: string, srcPort: number, dst: string, dstPort: number, flags: number): Packet {
  const rest = new Uint8Array(16);
  rest.set([0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
  return {
    src: parseIpv4(src), dst: parseIpv4(dst), proto: PROTO_TCP, ttl: 64, tos: 0, id: 7, df: true, options: null,
    srcPort, dstPort, icmpType: 0, icmpCode: 0, icmpId: 0, icmpSeq: 0, payload: rest,
  };
}

/**
 * The traffic the tests capture, spread over virtual time: UDP echo from alice (3 datagrams, 10 ms
 * apart) and bob (1), a datagram to a closed port (ICMP port unreachable back), a ping, and a TCP
 * SYN / SYN-ACK through home's NAT.
 */
export function runTraffic(net: Network): void {
  const server = net.host('server');
  const echo = server.udpBind(7000);
  echo.on('message', (msg: Buffer, r: { address: string; port: number }) => echo.send(msg, r.port, r.address));
  server.setProtocolHandler(PROTO_TCP, (pkt) => server.output(tcpSegment(SERVER, pkt.dstPort, formatIpv4(pkt.src), pkt.srcPort, 0x12)));
  const alice = net.host('alice');
  alice.setProtocolHandler(PROTO_TCP, () => {});
  const a = alice.udpBind(5000);
  const b = net.host('bob').udpBind(6000);
  for (let i = 0; i < 3; i++) {
    a.send(`hello ${i}`, 7000, SERVER);
    net.advance('10ms');
  }
  b.send('from bob', 7000, SERVER);
  a.send('nobody here', 9, SERVER);
  net.advance('10ms');
  alice.sendEcho(SERVER, { id: 77, seq: 1 });
  net.advance('10ms');
  alice.output(tcpSegment('192.168.1.20', 40000, SERVER, 443, 0x02));
  net.runUntilIdle();
}
