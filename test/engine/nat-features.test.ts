// NAT features through real routers: hairpinning, port preservation, expiry
// and refresh, 1:1, ICMP through the NAT, exhaustion, events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, natNetwork } from '../helpers.js';
import { ICMP_DEST_UNREACHABLE, ICMP_ECHO_REPLY, UNREACH_PORT } from '../../src/wire/packet.js';
import { formatIpv4 } from '../../src/wire/addr.js';
import type { IcmpNotice } from '../../src/engine/socket.js';
import type { NetworkEvent } from '../../src/engine/events.js';

test('hairpin: B receives A from A\'s external address and port (REQ-9a)', () => {
  const net = natNetwork({ preset: 'full-cone', hairpin: true });
  const a = net.host('x').udpBind(4000);
  const b = net.host('x2').udpBind(5000);
  const y = net.host('y1').udpBind(7000);
  const atY = collect(y, net);
  const atB = collect(b, net);
  a.send('a-out', 7000, '198.51.100.1');
  b.send('b-out', 7000, '198.51.100.1');
  net.runUntilIdle();
  const aExt = atY.find((r) => r.data === 'a-out')!;
  const bExt = atY.find((r) => r.data === 'b-out')!;
  a.send('via-hairpin', bExt.port, '203.0.113.1');
  net.runUntilIdle();
  assert.equal(atB.length, 1);
  assert.deepEqual([atB[0].from, atB[0].port], ['203.0.113.1', aExt.port], 'external source, not 192.168.1.2');
});

test('hairpin off: the looped packet is dropped and counted', () => {
  const net = natNetwork({ preset: 'full-cone', hairpin: false });
  const a = net.host('x').udpBind(4000);
  const b = net.host('x2').udpBind(5000);
  const y = net.host('y1').udpBind(7000);
  const atY = collect(y, net);
  const atB = collect(b, net);
  b.send('b-out', 7000, '198.51.100.1');
  net.runUntilIdle();
  a.send('via-hairpin', atY[0].port, '203.0.113.1');
  net.runUntilIdle();
  assert.equal(atB.length, 0);
  assert.equal(net.iface('home/lan').stats.drops.get('hairpin-disabled'), 1);
});

test('hairpin with APDF: B must have sent to A\'s external endpoint first', () => {
  const net = natNetwork({ preset: 'port-restricted', hairpin: true });
  const a = net.host('x').udpBind(4000);
  const b = net.host('x2').udpBind(5000);
  const y = net.host('y1').udpBind(7000);
  const atY = collect(y, net);
  const atB = collect(b, net);
  a.send('a-out', 7000, '198.51.100.1');
  b.send('b-out', 7000, '198.51.100.1');
  net.runUntilIdle();
  const aPort = atY.find((r) => r.data === 'a-out')!.port;
  const bPort = atY.find((r) => r.data === 'b-out')!.port;
  a.send('first', bPort, '203.0.113.1');
  net.runUntilIdle();
  assert.equal(atB.length, 0, 'filtered: B never sent to A\'s external endpoint');
  b.send('open', aPort, '203.0.113.1');
  a.send('second', bPort, '203.0.113.1');
  net.runUntilIdle();
  assert.deepEqual(atB.map((r) => r.data), ['second']);
});

test('port preservation: x\' = x when free; a second host with the same x gets another port', () => {
  const net = natNetwork({ preset: 'full-cone', portPreservation: true });
  const a = net.host('x').udpBind(4000);
  const b = net.host('x2').udpBind(4000);
  const y = net.host('y1').udpBind(7000);
  const atY = collect(y, net);
  a.send('a', 7000, '198.51.100.1');
  b.send('b', 7000, '198.51.100.1');
  net.runUntilIdle();
  const pa = atY.find((r) => r.data === 'a')!.port;
  const pb = atY.find((r) => r.data === 'b')!.port;
  assert.equal(pa, 4000);
  assert.notEqual(pb, 4000, 'no port overloading (REQ-3)');
  assert.equal(pb % 2, 0, 'parity kept (REQ-4)');
});

test('without preservation the external port differs from the internal one', () => {
  const net = natNetwork({ preset: 'full-cone' });
  const a = net.host('x').udpBind(4000);
  const atY = collect(net.host('y1').udpBind(7000), net);
  a.send('a', 7000, '198.51.100.1');
  net.runUntilIdle();
  assert.notEqual(atY[0].port, 4000);
});

test('expiry: idle past the lifetime, the mapping is gone and inbound is dropped; a new outbound makes a new mapping', () => {
  const net = natNetwork({ preset: 'full-cone', lifetime: '30s' });
  const events: NetworkEvent[] = [];
  net.on((e) => events.push(e));
  const x = net.host('x').udpBind(4000);
  const y = net.host('y1').udpBind(7000);
  const atX = collect(x, net);
  const atY = collect(y, net);
  x.send('out', 7000, '198.51.100.1');
  net.runUntilIdle();
  const ext = atY[0].port;
  net.advance('29s');
  y.send('in-time', ext, '203.0.113.1');
  net.advance('2s');
  assert.deepEqual(atX.map((r) => r.data), ['in-time'], 'alive at 29 s');
  net.advance('30s');
  y.send('too-late', ext, '203.0.113.1');
  net.runUntilIdle();
  assert.deepEqual(atX.map((r) => r.data), ['in-time'], 'inbound does not refresh (REQ-6a off by default)');
  assert.equal(net.router('home').nat!.list().length, 0);
  assert.ok(events.some((e) => e.type === 'mapping-created'));
  const expired = events.find((e) => e.type === 'mapping-expired');
  assert.ok(expired && expired.type === 'mapping-expired');
  assert.equal(expired.router, 'home');
  assert.equal(expired.internal, '192.168.1.2:4000');
});

test('outbound refresh keeps a mapping alive past its lifetime', () => {
  const net = natNetwork({ preset: 'full-cone', lifetime: '30s' });
  const x = net.host('x').udpBind(4000);
  const y = net.host('y1').udpBind(7000);
  const atX = collect(x, net);
  const atY = collect(y, net);
  for (let i = 0; i < 10; i++) {
    x.send(`keepalive ${i}`, 7000, '198.51.100.1');
    net.advance('20s');
  }
  assert.equal(new Set(atY.map((r) => r.port)).size, 1, 'one mapping for 200 s');
  y.send('still-open', atY[0].port, '203.0.113.1');
  net.runUntilIdle();
  assert.equal(atX.length, 1);
});

test('inbound refresh, when enabled, keeps a mapping alive with inbound traffic only', () => {
  const net = natNetwork({ preset: 'full-cone', lifetime: '30s', inboundRefresh: true });
  const x = net.host('x').udpBind(4000);
  const y = net.host('y1').udpBind(7000);
  const atX = collect(x, net);
  const atY = collect(y, net);
  x.send('open', 7000, '198.51.100.1');
  net.runUntilIdle();
  for (let i = 0; i < 5; i++) {
    net.advance('20s');
    y.send(`in ${i}`, atY[0].port, '203.0.113.1');
  }
  net.runUntilIdle();
  assert.equal(atX.length, 5);
});

test('1:1 NAT: address rewritten, port kept, unsolicited inbound allowed, no expiry', () => {
  const net = natNetwork('1to1');
  const x = net.host('x').udpBind(4000);
  const y = net.host('y1').udpBind(7000);
  const z = net.host('z').udpBind(9000);
  const atX = collect(x, net);
  const atY = collect(y, net);
  x.send('out', 7000, '198.51.100.1');
  net.runUntilIdle();
  assert.deepEqual([atY[0].from, atY[0].port], ['203.0.113.1', 4000]);
  net.advance('3h');
  z.send('unsolicited', 4000, '203.0.113.1');
  net.runUntilIdle();
  assert.deepEqual(atX.map((r) => `${r.data} ${r.from}:${r.port}`), ['unsolicited 198.51.100.3:9000']);
});

test('ICMP echo through the NAT: the identifier is translated and the reply finds its way back', () => {
  const net = natNetwork('symmetric');
  const x = net.host('x');
  const replies: { from: string; id: number; seq: number }[] = [];
  let seenId = -1;
  net.iface('y1/eth0').addTap({ packet: (p, dir) => { if (dir === 'in') seenId = p.icmpId; } });
  x.onIcmp((m) => { if (m.type === ICMP_ECHO_REPLY) replies.push({ from: formatIpv4(m.from), id: m.id, seq: m.seq }); });
  x.sendEcho('198.51.100.1', { id: 777, seq: 3 });
  net.runUntilIdle();
  assert.deepEqual(replies, [{ from: '198.51.100.1', id: 777, seq: 3 }]);
  assert.notEqual(seenId, -1);
});

test('ICMP port unreachable from outside is translated back to the inside socket (quoted header included)', () => {
  const net = natNetwork('port-restricted');
  const x = net.host('x').udpBind(4000);
  const notices: IcmpNotice[] = [];
  x.on('icmp', (n: IcmpNotice) => notices.push(n));
  x.send('to a closed port', 9999, '198.51.100.1');
  net.runUntilIdle();
  assert.equal(notices.length, 1);
  assert.deepEqual([notices[0].type, notices[0].code, notices[0].from], [ICMP_DEST_UNREACHABLE, UNREACH_PORT, '198.51.100.1']);
  assert.deepEqual(notices[0].remote, { address: '198.51.100.1', family: 'IPv4', port: 9999 });
});

test('port exhaustion drops and counts; the router keeps forwarding existing mappings', () => {
  const net = natNetwork({ preset: 'symmetric', portRange: [40000, 40003], lifetime: '2m' });
  const x = net.host('x').udpBind(4000);
  const y = net.host('y1');
  const sinks = Array.from({ length: 6 }, (_, i) => y.udpBind(7000 + i));
  const got = sinks.map((s) => collect(s, net));
  for (let i = 0; i < 6; i++) x.send(`n${i}`, 7000 + i, '198.51.100.1');
  net.runUntilIdle();
  assert.deepEqual(got.map((g) => g.length), [1, 1, 1, 1, 0, 0]);
  assert.equal(net.iface('home/uplink').stats.drops.get('nat-port-exhausted'), 2);
  x.send('again', 7000, '198.51.100.1');
  net.runUntilIdle();
  assert.equal(got[0].length, 2, 'existing mapping still works');
  net.advance('3m');
  x.send('after-expiry', 7005, '198.51.100.1');
  net.runUntilIdle();
  assert.equal(got[5].length, 1, 'ports come back after expiry');
});
