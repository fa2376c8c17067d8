// Impairment filters on real interfaces: seeded loss that reproduces, delay
// and jitter, token-bucket rate, ingress filters, removal at run time, and
// drops visible in counters and the event stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../../src/engine/network.js';
import { collect } from '../helpers.js';
import type { DropEvent, NetworkEvent } from '../../src/engine/events.js';

function pair(seed = 1): Network {
  const net = new Network({ clock: 'virtual', seed });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addHost({ name: 'a', router: 'internet', ips: ['198.51.100.1'] });
  net.addHost({ name: 'b', router: 'internet', ips: ['198.51.100.2'] });
  return net;
}

function lossRun(seed: number): string[] {
  const net = pair(seed);
  net.addFilter('a/eth0', { loss: '20%' });
  const got = collect(net.host('b').udpBind(7000), net);
  const s = net.host('a').udpBind(0);
  for (let i = 0; i < 2000; i++) s.send(String(i), 7000, '198.51.100.2');
  net.runUntilIdle();
  return got.map((r) => r.data);
}

test('loss: about the configured rate, and exactly the same packets for the same seed', () => {
  const one = lossRun(7);
  const two = lossRun(7);
  const other = lossRun(8);
  assert.ok(Math.abs(one.length - 1600) < 80, `delivered ${one.length} of 2000, want about 1600`);
  assert.deepEqual(one, two, 'same seed, same drops');
  assert.notDeepEqual(one, other, 'another seed, other drops');
});

test('a filter\'s own seed makes its draws independent of the network seed and of other filters', () => {
  const run = (netSeed: number, extraFilter: boolean): string[] => {
    const net = pair(netSeed);
    if (extraFilter) net.addFilter('b/eth0', { loss: '50%', direction: 'ingress' });
    net.addFilter('a/eth0', { loss: '30%', seed: 99 });
    const seen: string[] = [];
    net.iface('a/eth0').addTap({ packet: (p, dir) => { if (dir === 'out') seen.push(String(p.payload[0])); } });
    const s = net.host('a').udpBind(0);
    net.host('b').udpBind(7000);
    for (let i = 0; i < 300; i++) s.send(Buffer.of(i % 256), 7000, '198.51.100.2');
    net.runUntilIdle();
    return seen;
  };
  assert.deepEqual(run(1, false), run(2, true));
});

test('delay and jitter: arrival times stay within delay ± jitter, and jitter reorders', () => {
  const net = pair(3);
  net.addFilter('a/eth0', { delay: '50ms', jitter: '10ms' });
  const got = collect(net.host('b').udpBind(7000), net);
  const s = net.host('a').udpBind(0);
  for (let i = 0; i < 200; i++) {
    s.send(String(i), 7000, '198.51.100.2');
    net.advance('1ms');
  }
  net.runUntilIdle();
  assert.equal(got.length, 200);
  for (const r of got) {
    const sentAt = Number(r.data) * 1e6;
    const d = r.time - sentAt;
    assert.ok(d >= 40e6 && d <= 60e6, `delay ${d / 1e6} ms, want 40-60 ms`);
  }
  const order = got.map((r) => Number(r.data));
  assert.notDeepEqual(order, [...order].sort((x, y) => x - y), 'reordered like netem');
});

test('delay with preserveOrder never reorders', () => {
  const net = pair(3);
  net.addFilter('a/eth0', { delay: '50ms', jitter: '10ms', preserveOrder: true });
  const got = collect(net.host('b').udpBind(7000), net);
  const s = net.host('a').udpBind(0);
  for (let i = 0; i < 200; i++) {
    s.send(String(i), 7000, '198.51.100.2');
    net.advance('1ms');
  }
  net.runUntilIdle();
  const order = got.map((r) => Number(r.data));
  assert.deepEqual(order, [...order].sort((x, y) => x - y));
});

test('token bucket: exact bytes on the virtual clock, counting Ethernet frames like tc tbf, tail drop counted', () => {
  const net = pair();
  // 1 mbit/s, 10 KiB bucket, 20 KiB queue; 1000 B datagrams are 1028 B packets, 1042 B Ethernet frames.
  net.addFilter('a/eth0', { rate: '1mbit', burst: '10kb', queue: '20kb' });
  const got = collect(net.host('b').udpBind(7000), net);
  const s = net.host('a').udpBind(0);
  for (let i = 0; i < 100; i++) s.send(Buffer.alloc(1000), 7000, '198.51.100.2');
  net.advance('1s');
  // Burst: floor(10240 / 1042) = 9 at once; queue holds floor(20480 / 1042) = 19; the rest (72) dropped.
  assert.equal(net.iface('a/eth0').stats.drops.get('queue-full'), 72);
  // Within 1 s: 10240 B of burst + 125000 B of rate = 135240 B ⇒ 129 frames possible, but only 28 were queued.
  assert.equal(got.length, 28);
  const t = got.map((r) => r.time);
  // After the burst (9 at t=0, 10240-9378 = 862 B left), each packet waits for 1042 B at 125 B/ms.
  assert.deepEqual(t.slice(0, 9), Array(9).fill(0));
  assert.equal(t[9], Math.ceil(((1042 - 862) * 8e9) / 1e6), 'the 10th leaves when 180 more bytes have come in');
  assert.equal(t[10] - t[9], Math.ceil((1042 * 8e9) / 1e6), 'then one packet per 8.336 ms');
});

test('token bucket on a VLAN interface counts 4 more bytes per tag; --overhead adds to that', () => {
  const rateOf = (vlan: number[] | undefined, overhead?: number): number => {
    const net = new Network({ clock: 'virtual' });
    net.addRouter({ name: 'internet', cidr: '0.0.0.0/0', vlan });
    net.addHost({ name: 'a', router: 'internet', ips: ['198.51.100.1'] });
    net.addHost({ name: 'b', router: 'internet', ips: ['198.51.100.2'] });
    net.addFilter('a/eth0', { rate: '1mbit', burst: 1600, queue: '1mb', overhead });
    const got = collect(net.host('b').udpBind(7000), net);
    const s = net.host('a').udpBind(0);
    for (let i = 0; i < 500; i++) s.send(Buffer.alloc(972), 7000, '198.51.100.2'); // 1000 B IP packets
    net.advance('1s');
    return got.length;
  };
  // Frames of 1000 + link header (+ overhead) bytes; after the 1600 B bucket, 125000 B/s:
  // floor((125000 + 1600) / frame) packets by 1 s.
  assert.equal(rateOf(undefined), Math.floor(126_600 / 1014));
  assert.equal(rateOf([100]), Math.floor(126_600 / 1018));
  assert.equal(rateOf([100, 200]), Math.floor(126_600 / 1022));
  assert.equal(rateOf(undefined, 86), Math.floor(126_600 / 1100));
  assert.equal(rateOf(undefined, -14), Math.floor(126_600 / 1000));
});

test('ingress filters act on arrival; egress on departure', () => {
  const net = pair();
  net.addFilter('b/eth0', { direction: 'ingress', dropMatch: 'udp and dst port 7000' });
  const got7000 = collect(net.host('b').udpBind(7000), net);
  const got7001 = collect(net.host('b').udpBind(7001), net);
  const s = net.host('a').udpBind(0);
  s.send('x', 7000, '198.51.100.2');
  s.send('y', 7001, '198.51.100.2');
  net.runUntilIdle();
  assert.deepEqual([got7000.length, got7001.length], [0, 1]);
  const st = net.iface('b/eth0').stats;
  assert.equal(st.rxPackets, 2, 'counted as received before the ingress filter');
  assert.equal(st.drops.get('match'), 1);
});

test('filters stack in order, can be listed and removed at run time; held packets still leave', () => {
  const net = pair();
  const f1 = net.addFilter('a/eth0', { delay: '100ms' });
  const f2 = net.addFilter('a/eth0', { loss: 0 });
  assert.deepEqual(net.filters.list('a/eth0').map((f) => f.id), [f1.id, f2.id]);
  assert.match(f1.description, /egress delay 100ms/);
  const got = collect(net.host('b').udpBind(7000), net);
  const s = net.host('a').udpBind(0);
  s.send('held', 7000, '198.51.100.2');
  net.advance('10ms');
  assert.equal(net.filters.list()[0].held, 1);
  net.removeFilter(f1.id);
  s.send('after', 7000, '198.51.100.2');
  net.advance('1ms');
  assert.deepEqual(got.map((r) => r.data), ['after']);
  net.advance('200ms');
  assert.deepEqual(got.map((r) => r.data), ['after', 'held']);
  assert.throws(() => net.removeFilter(f1.id), /no filter with id 1/);
});

test('drops reach the event stream with their reason', () => {
  const net = pair();
  const events: NetworkEvent[] = [];
  net.on((e) => events.push(e));
  net.addFilter('a/eth0', { loss: '100%' });
  net.host('a').udpBind(0).send('x', 7000, '198.51.100.2');
  net.runUntilIdle();
  const drops = events.filter((e): e is DropEvent => e.type === 'drop');
  assert.equal(drops.length, 1);
  assert.equal(drops[0].iface, 'a/eth0');
  assert.equal(drops[0].reason, 'loss');
  assert.match(drops[0].packet, /^UDP 198\.51\.100\.1:\d+ → 198\.51\.100\.2:7000 len=29/);
});

test('a drop event keeps the packet as it was when dropped, as text and in JSON', () => {
  const net = pair();
  const events: NetworkEvent[] = [];
  net.on((e) => events.push(e));
  net.addFilter('a/eth0', { loss: '100%' });
  const sock = net.host('a').udpBind(4000);
  sock.send('first', 7000, '198.51.100.2');
  sock.send('second datagram', 7001, '198.51.100.2');
  net.runUntilIdle();
  const drops = events.filter((e): e is DropEvent => e.type === 'drop');
  assert.equal(drops.length, 2);
  // Read only now, after both packets went through the engine: each shows its own fields.
  assert.equal(drops[0].packet, 'UDP 198.51.100.1:4000 → 198.51.100.2:7000 len=33 ttl=64');
  assert.equal(drops[1].packet, 'UDP 198.51.100.1:4000 → 198.51.100.2:7001 len=43 ttl=64');
  assert.deepEqual(JSON.parse(JSON.stringify(drops[1])), {
    type: 'drop', time: drops[1].time, iface: 'a/eth0', reason: 'loss', packet: 'UDP 198.51.100.1:4000 → 198.51.100.2:7001 len=43 ttl=64',
  });
});

test('bad filter specs are refused with the fact and the mend', () => {
  const net = pair();
  assert.throws(() => net.addFilter('a/eth0', {}), /needs at least one of/);
  assert.throws(() => net.addFilter('a/eth0', { rate: '1mbit', burst: '1000b' }), /burst \(1000 bytes\) is smaller than the largest frame \(1514 bytes: MTU 1500 \+ 14 of link header and overhead\); raise --burst/);
  assert.throws(() => net.addFilter('a/eth0', { loss: '120%' }), /percentage from 0 to 100/);
  assert.throws(() => net.addFilter('a/eth0', { delay: 'soon' }), /not a duration/);
  assert.throws(() => net.addFilter('a/eth0', { dropMatch: 'udp port x' }), /drop-match/);
  assert.throws(() => net.addFilter('nowhere/eth0', { loss: 1 }), /no router or host named "nowhere"/);
  assert.equal(net.filters.list().length, 0);
});

test('a filter can be changed at run time: same id and place, new settings for new packets', () => {
  const net = pair();
  const f = net.addFilter('a/eth0', { delay: '100ms' });
  const got = collect(net.host('b').udpBind(7000), net);
  const s = net.host('a').udpBind(0);
  s.send('old', 7000, '198.51.100.2');
  net.advance('1ms');
  const changed = net.changeFilter(f.id, { delay: '10ms' });
  assert.equal(changed.id, f.id);
  assert.match(changed.description, /delay 10ms/);
  s.send('new', 7000, '198.51.100.2');
  net.advance('20ms');
  assert.deepEqual(got.map((r) => r.data), ['new']);
  net.advance('100ms');
  assert.deepEqual(got.map((r) => r.data), ['new', 'old'], 'the held packet keeps its 100 ms');
  net.changeFilter(f.id, { loss: '100%' });
  s.send('lost', 7000, '198.51.100.2');
  net.runUntilIdle();
  assert.equal(got.length, 2);
  assert.deepEqual(net.filters.list().map((x) => x.id), [f.id]);
});
