// The `linux` NAT preset through real routers, on the virtual clock: what Linux 6.x masquerade did
// when measured between namespaces (shared/spec/nat-behaviour.md), figure by figure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, natNetwork } from '../helpers.js';
import { ICMP_DEST_UNREACHABLE, UNREACH_PORT } from '../../src/wire/packet.js';
import type { IcmpNotice } from '../../src/engine/socket.js';

function icmpNotices(sock: { on(ev: 'icmp', f: (n: IcmpNotice) => void): unknown }): IcmpNotice[] {
  const got: IcmpNotice[] = [];
  sock.on('icmp', (n) => got.push(n));
  return got;
}

test('linux: unsolicited inbound to the NAT\'s address is answered with ICMP port unreachable from the router', () => {
  const net = natNetwork('linux');
  const z = net.host('z').udpBind(9000);
  const notices = icmpNotices(z);
  // Linux: the router answers port unreachable (no local socket there).
  z.send('knock', 40000, '203.0.113.1');
  net.runUntilIdle();
  assert.deepEqual(notices.map((n) => `${n.type}/${n.code} from ${n.from}`), [`${ICMP_DEST_UNREACHABLE}/${UNREACH_PORT} from 203.0.113.1`]);
});

test('linux: a packet the filter refuses (a remote never sent to) is answered the same way', () => {
  const net = natNetwork('linux');
  const x = net.host('x').udpBind(4000);
  net.host('y1').udpBind(7000);
  x.send('out', 7000, '198.51.100.1');
  net.runUntilIdle();
  const z = net.host('z').udpBind(9000);
  const notices = icmpNotices(z);
  z.send('not for you', 4000, '203.0.113.1');
  net.runUntilIdle();
  assert.equal(notices.length, 1, 'Linux: no conntrack entry matches, so the router itself answers');
  assert.equal(notices[0].code, UNREACH_PORT);
});

test('linux: the port is kept, overloaded across destinations, and replies reach the right host', () => {
  const net = natNetwork('linux');
  const x = net.host('x').udpBind(5000);
  const x2 = net.host('x2').udpBind(5000);
  const y1 = net.host('y1').udpBind(7000);
  const y2 = net.host('y2').udpBind(7000);
  const atY1 = collect(y1, net);
  const atY2 = collect(y2, net);
  const atX = collect(x, net);
  const atX2 = collect(x2, net);
  x.send('from x', 7000, '198.51.100.1');
  x2.send('from x2', 7000, '198.51.100.2');
  net.runUntilIdle();
  // Linux: both inside hosts leave with source port 5000.
  assert.deepEqual([atY1[0].port, atY2[0].port], [5000, 5000]);
  y1.send('to x', 5000, '203.0.113.1');
  y2.send('to x2', 5000, '203.0.113.1');
  net.runUntilIdle();
  assert.deepEqual([atX.map((r) => r.data), atX2.map((r) => r.data)], [['to x'], ['to x2']]);
});

test('linux: a host whose source port was taken keeps the port its first flow got (the kernel\'s find_appropriate_src); linux-random does not', () => {
  for (const [preset, keeps] of [['linux', true], ['linux-random', false]] as const) {
    const net = natNetwork(preset);
    const x = net.host('x').udpBind(8000);
    const x2 = net.host('x2').udpBind(8000);
    const atY1 = collect(net.host('y1').udpBind(7000), net);
    const atY2 = collect(net.host('y2').udpBind(7000), net);
    x.send('first', 7000, '198.51.100.1');
    x2.send('collides', 7000, '198.51.100.1');
    x2.send('elsewhere', 7000, '198.51.100.2');
    net.runUntilIdle();
    const [, taken] = atY1.map((r) => r.port);
    if (preset === 'linux') assert.equal(atY1[0].port, 8000, 'x keeps its port');
    assert.notEqual(taken, 8000, 'x2 collides on 8000 toward y1');
    // Measured on Linux 6.x (test/engine/nat-linux-netns.test.ts): 8000, P, P.
    assert.equal(atY2[0].port === taken, keeps, `${preset}: x2 toward y2 left from ${atY2[0].port}, toward y1 from ${taken}`);
  }
});

test('linux: no hairpin; a packet to the NAT\'s own mapping is the router\'s, answered port unreachable', () => {
  const net = natNetwork('linux');
  const x = net.host('x').udpBind(4000);
  const x2 = net.host('x2').udpBind(5000);
  const y1 = net.host('y1').udpBind(7000);
  const atX2 = collect(x2, net);
  const notices = icmpNotices(x);
  x2.send('out', 7000, '198.51.100.1');
  y1.send('keep', 1, '198.51.100.2');
  net.runUntilIdle();
  // Linux: hairpinning none by default.
  x.send('hairpin?', 5000, '203.0.113.1');
  net.runUntilIdle();
  assert.equal(atX2.length, 0);
  assert.equal(notices.length, 1);
  assert.equal(notices[0].code, UNREACH_PORT);
});

test('linux: a mapping unreplied for 30 s is gone; port-restricted today keeps 5 minutes', () => {
  for (const [preset, aliveAt31s] of [['linux', false], ['port-restricted', true]] as const) {
    const net = natNetwork(preset);
    const x = net.host('x').udpBind(4000);
    net.host('y1').udpBind(7000);
    x.send('out', 7000, '198.51.100.1');
    net.runUntilIdle();
    net.advance('31s');
    assert.equal(net.router('home').nat!.size > 0, aliveAt31s, `${preset}: alive after 31 s`);
  }
});

test('linux: an ICMP echo keeps its identifier when free (the kernel rewrites it only on a clash; not measured here)', () => {
  const net = natNetwork('linux');
  const ids: number[] = [];
  net.iface('y1/eth0').addTap({ packet: (p, dir) => { if (dir === 'in' && p.icmpType === 8) ids.push(p.icmpId); } });
  net.host('x').sendEcho('198.51.100.1', { id: 4242, seq: 1 });
  net.runUntilIdle();
  assert.deepEqual(ids, [4242]);
});
