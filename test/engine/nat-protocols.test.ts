// What the NAT rewrites besides UDP: TCP ports (with valid checksums after
// translation), ICMP errors sent from inside about inbound packets, and
// protocols without ports (address only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, natNetwork } from '../helpers.js';
import { encodePacket, verifyChecksums } from '../../src/wire/codec.js';
import { formatIpv4, parseIpv4 } from '../../src/wire/addr.js';
import { PROTO_TCP, type Packet } from '../../src/wire/packet.js';
import type { IcmpNotice } from '../../src/engine/socket.js';

/** A TCP SYN as the segment bytes after the ports: seq, ack, offset 5, SYN, window, checksum 0, urgent 0. */
function tcpSyn(src: string, srcPort: number, dst: string, dstPort: number): Packet {
  const rest = new Uint8Array(16);
  rest.set([0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
  return {
    src: parseIpv4(src), dst: parseIpv4(dst), proto: PROTO_TCP, ttl: 64, tos: 0, id: 1, df: true, options: null,
    srcPort, dstPort, icmpType: 0, icmpCode: 0, icmpId: 0, icmpSeq: 0, payload: rest,
  };
}

test('TCP: ports are translated on the way out and back, and the bytes on the wire have valid checksums', () => {
  const net = natNetwork('symmetric');
  const seenAtServer: { src: string; port: number; problems: string[] }[] = [];
  const server = net.host('y1');
  server.setProtocolHandler(PROTO_TCP, (pkt) => {
    seenAtServer.push({ src: formatIpv4(pkt.src), port: pkt.srcPort, problems: verifyChecksums(encodePacket(pkt)) });
    // Answer SYN-ACK to whoever it came from.
    const reply = tcpSyn('198.51.100.1', pkt.dstPort, formatIpv4(pkt.src), pkt.srcPort);
    reply.payload[9] = 0x12;
    server.output(reply);
  });
  const back: { src: string; port: number; dstPort: number }[] = [];
  const x = net.host('x');
  x.setProtocolHandler(PROTO_TCP, (pkt) => back.push({ src: formatIpv4(pkt.src), port: pkt.srcPort, dstPort: pkt.dstPort }));
  x.output(tcpSyn('192.168.1.2', 40000, '198.51.100.1', 443));
  net.runUntilIdle();
  assert.equal(seenAtServer.length, 1);
  assert.equal(seenAtServer[0].src, '203.0.113.1');
  assert.notEqual(seenAtServer[0].port, 40000);
  assert.deepEqual(seenAtServer[0].problems, []);
  assert.deepEqual(back, [{ src: '198.51.100.1', port: 443, dstPort: 40000 }]);
  assert.equal(net.router('home').nat!.list()[0].proto, 'tcp');
});

test('an ICMP error sent from inside about an inbound datagram is translated outward, quote included', () => {
  const net = natNetwork('full-cone');
  const x = net.host('x').udpBind(4000);
  const y = net.host('y1').udpBind(7000);
  const atY = collect(y, net);
  x.send('open', 7000, '198.51.100.1');
  net.runUntilIdle();
  const mapped = atY[0].port;
  x.close();
  const notices: IcmpNotice[] = [];
  y.on('icmp', (n: IcmpNotice) => notices.push(n));
  y.send('to a closed port behind the NAT', mapped, '203.0.113.1');
  net.runUntilIdle();
  assert.equal(notices.length, 1);
  assert.equal(notices[0].from, '203.0.113.1', 'the error comes from the NAT\'s external address');
  assert.deepEqual(notices[0].remote, { address: '203.0.113.1', family: 'IPv4', port: mapped }, 'the quote shows the external endpoint');
});

test('protocols without ports are translated by address', () => {
  const net = natNetwork('full-cone');
  const got: string[] = [];
  net.host('y1').setProtocolHandler(47, (pkt) => got.push(formatIpv4(pkt.src)));
  const gre: Packet = { ...tcpSyn('192.168.1.2', 0, '198.51.100.1', 0), proto: 47, srcPort: 0, dstPort: 0, payload: new Uint8Array(8) };
  net.host('x').output(gre);
  net.runUntilIdle();
  assert.deepEqual(got, ['203.0.113.1']);
});
