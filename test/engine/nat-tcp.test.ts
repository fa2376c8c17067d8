// TCP connection tracking at the NAT (RFC 5382), with crafted segments through real routers on the
// virtual clock. Linux figures: this machine's kernel defaults (`sysctl net.netfilter`):
// nf_conntrack_tcp_timeout_syn_sent 120, syn_recv 60, established 432000 (5 days), fin_wait 120,
// time_wait 120, close 10 (seconds), nf_conntrack_tcp_loose 1. vnet keeps RFC 5382's two classes:
// transitory (default 4m) and established (default 124m = 2h4m), both configurable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { natNetwork } from '../helpers.js';
import { icmpError } from '../../src/engine/icmp.js';
import type { MappingEvent, NetworkEvent } from '../../src/engine/events.js';
import type { NatOptions } from '../../src/engine/nat/config.js';
import type { MappingView } from '../../src/engine/nat/view.js';
import { formatIpv4, parseIpv4 } from '../../src/wire/addr.js';
import { ICMP_DEST_UNREACHABLE, PROTO_TCP, UNREACH_PORT, type Packet } from '../../src/wire/packet.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../src/wire/tcp.js';

const X = '192.168.1.2';
const Y = '198.51.100.1';
const Z = '198.51.100.3';
const EXT = '203.0.113.1';
const S = 1_000_000_000;
const MIN = 60 * S;
const TRANSITORY = 4 * MIN;
const ESTABLISHED = 124 * MIN;

/** A TCP segment: `payload` is the header after the ports (seq, ack, offset 5, flags, window, checksum, urgent). */
function segment(src: string, srcPort: number, dst: string, dstPort: number, flags: number): Packet {
  const rest = new Uint8Array(16);
  rest[8] = 0x50;
  rest[9] = flags;
  rest[10] = 0xff;
  rest[11] = 0xff;
  return {
    src: parseIpv4(src), dst: parseIpv4(dst), proto: PROTO_TCP, ttl: 64, tos: 0, id: 1, df: true, options: null,
    srcPort, dstPort, icmpType: 0, icmpCode: 0, icmpId: 0, icmpSeq: 0, payload: rest,
  };
}

interface Seen { at: string; from: string; port: number; flags: number }

/** A NAT between x (inside) and y1, y2, z (outside); every host records the TCP segments it gets. */
function tcpNet(nat: NatOptions | string = 'port-restricted') {
  const net = natNetwork(nat);
  const seen: Seen[] = [];
  const events: MappingEvent[] = [];
  net.events.on((e: NetworkEvent) => { if (e.type.startsWith('mapping-')) events.push(e as MappingEvent); });
  for (const name of ['x', 'y1', 'y2', 'z']) {
    net.host(name).setProtocolHandler(PROTO_TCP, (p) => seen.push({ at: name, from: formatIpv4(p.src), port: p.srcPort, flags: p.payload[9] }));
  }
  const nat0 = () => net.router('home').nat!;
  const out = (flags: number, xPort = 40000, dst = Y, dstPort = 443): void => {
    net.host('x').output(segment(X, xPort, dst, dstPort, flags));
    net.runUntilIdle();
  };
  /** The mapping of x:xPort, if live. */
  const mapping = (xPort = 40000): MappingView | undefined => nat0().list().find((m) => m.internal === `${X}:${xPort}`);
  const extPort = (xPort = 40000): number => Number(mapping(xPort)!.external.split(':')[1]);
  const into = (flags: number, xPort = 40000, from = Y, fromPort = 443, host = 'y1'): void => {
    net.host(host).output(segment(from, fromPort, EXT, extPort(xPort), flags));
    net.runUntilIdle();
  };
  const drops = (reason: string): number => net.iface('home/uplink').stats.drops.get(reason as never) ?? 0;
  return { net, seen, events, out, into, mapping, extPort, drops };
}

function state(t: ReturnType<typeof tcpNet>, xPort = 40000): string | undefined {
  return t.mapping(xPort)?.state;
}

test('SYN out: a mapping in syn-sent with the transitory timeout (RFC 5382 REQ-5: >= 4 min; Linux syn_sent 120 s)', () => {
  const t = tcpNet();
  t.out(TCP_SYN);
  const m = t.mapping()!;
  assert.equal(m.proto, 'tcp');
  assert.equal(m.state, 'syn-sent');
  assert.equal(m.expiresInNs, TRANSITORY, `expires in ${m.expiresInNs}, want ${TRANSITORY}`);
  assert.deepEqual(t.seen.map((s) => [s.at, s.from]), [['y1', EXT]]);
  assert.deepEqual(t.events.map((e) => [e.type, e.proto, e.state]), [['mapping-created', 'tcp', 'syn-sent']]);
});

test('SYN/ACK in: established, timer restarted at 2h4m (REQ-5) even with inbound refresh off; ACK out keeps it', () => {
  const t = tcpNet();
  t.out(TCP_SYN);
  t.net.advance('1m');
  t.into(TCP_SYN | TCP_ACK);
  assert.deepEqual(t.seen.filter((s) => s.at === 'x').map((s) => [s.from, s.port, s.flags]), [[Y, 443, TCP_SYN | TCP_ACK]]);
  assert.equal(state(t), 'established');
  assert.equal(t.mapping()!.expiresInNs, ESTABLISHED);
  t.out(TCP_ACK);
  assert.equal(state(t), 'established');
});

test('idle past the transitory timeout expires only connections not established; established ones live 2h4m', () => {
  const t = tcpNet();
  t.out(TCP_SYN, 40000);
  t.into(TCP_SYN | TCP_ACK, 40000);
  t.out(TCP_ACK, 40000);
  t.out(TCP_SYN, 40001); // never answered
  t.net.advance(`${TRANSITORY - 1}ns`);
  assert.equal(state(t, 40001), 'syn-sent', 'alive 1 ns before 4 min');
  t.net.advance('1ns');
  assert.equal(t.mapping(40001), undefined, 'the half-open connection expired at 4 min');
  const expired = t.events.filter((e) => e.type === 'mapping-expired');
  assert.deepEqual(expired.map((e) => [e.internal, e.state, e.time]), [[`${X}:40001`, 'syn-sent', TRANSITORY]]);
  // RFC 5382 REQ-5: an established connection MUST NOT be dropped idle in under 2 h 4 min.
  t.net.advance(`${ESTABLISHED - TRANSITORY - 1}ns`);
  assert.equal(state(t, 40000), 'established', 'alive 1 ns before 2h4m idle');
  t.net.advance('1ns');
  assert.equal(t.mapping(40000), undefined);
  assert.deepEqual(t.events.filter((e) => e.type === 'mapping-expired').map((e) => e.state), ['syn-sent', 'established']);
});

test('established: inbound data after 2h3m idle still gets in; after 2h4m it is dropped (nat-no-mapping)', () => {
  const t = tcpNet();
  t.out(TCP_SYN);
  t.into(TCP_SYN | TCP_ACK);
  t.out(TCP_ACK);
  const port = t.extPort();
  t.net.advance('123m');
  t.into(TCP_ACK);
  assert.equal(t.seen.filter((s) => s.at === 'x').length, 2);
  t.net.advance('1m');
  t.net.host('y1').output(segment(Y, 443, EXT, port, TCP_ACK));
  t.net.runUntilIdle();
  assert.equal(t.seen.filter((s) => s.at === 'x').length, 2, 'inbound refresh is off (RFC 4787 REQ-6 a, as for UDP)');
  assert.equal(t.drops('nat-no-mapping'), 1);
});

const closings: { name: string; steps: [dir: 'out' | 'in', flags: number][]; want: string; expiresIn: number }[] = [
  // One FIN: half-closed; data may still flow the other way for hours (Linux: fin_wait 120 s).
  { name: 'FIN out only: fin-wait, still the established timeout', steps: [['out', TCP_FIN | TCP_ACK]], want: 'fin-wait', expiresIn: ESTABLISHED },
  // RFC 5382 §5: FIN both ways is the closing phase (Linux: time_wait 120 s).
  { name: 'FIN both ways: time-wait, transitory', steps: [['out', TCP_FIN | TCP_ACK], ['in', TCP_FIN | TCP_ACK]], want: 'time-wait', expiresIn: TRANSITORY },
  { name: 'FIN in, then FIN out: time-wait, transitory', steps: [['in', TCP_FIN | TCP_ACK], ['out', TCP_FIN | TCP_ACK]], want: 'time-wait', expiresIn: TRANSITORY },
  // RST ends the connection at once (Linux: close 10 s; RFC 5382 asks >= 4 min for transitory).
  { name: 'RST out: closed, transitory', steps: [['out', TCP_RST]], want: 'closed', expiresIn: TRANSITORY },
  { name: 'RST in: closed, transitory (timer restarted by the phase change)', steps: [['in', TCP_RST]], want: 'closed', expiresIn: TRANSITORY },
];

for (const c of closings) {
  test(`closing: ${c.name}`, () => {
    const t = tcpNet();
    t.out(TCP_SYN);
    t.into(TCP_SYN | TCP_ACK);
    t.out(TCP_ACK);
    t.net.advance('10m');
    for (const [dir, flags] of c.steps) {
      if (dir === 'out') t.out(flags);
      else t.into(flags);
    }
    assert.equal(state(t), c.want);
    assert.equal(t.mapping()!.expiresInNs, c.expiresIn, `expires in ${t.mapping()!.expiresInNs}, want ${c.expiresIn}`);
    t.net.advance(`${c.expiresIn - 1}ns`);
    assert.equal(state(t), c.want, 'alive 1 ns before its timeout');
    t.net.advance('1ns');
    assert.equal(t.mapping(), undefined, 'expired after its timeout');
    assert.equal(t.events.at(-1)!.state, c.want);
  });
}

test('a SYN after the connection closed opens a new one on the same mapping (syn-sent again)', () => {
  const t = tcpNet();
  t.out(TCP_SYN);
  t.into(TCP_SYN | TCP_ACK);
  t.out(TCP_RST);
  const port = t.extPort();
  t.out(TCP_SYN);
  assert.equal(state(t), 'syn-sent');
  assert.equal(t.extPort(), port);
});

test('simultaneous open (RFC 5382 REQ-2): SYN out, then a bare SYN in from the same remote: established', () => {
  const t = tcpNet();
  t.out(TCP_SYN);
  t.into(TCP_SYN);
  assert.equal(state(t), 'established');
  assert.equal(t.seen.filter((s) => s.at === 'x').length, 1);
});

test('a first segment that is not a SYN is picked up as established (Linux nf_conntrack_tcp_loose=1)', () => {
  const t = tcpNet();
  t.out(TCP_ACK);
  assert.equal(state(t), 'established');
  assert.equal(t.mapping()!.expiresInNs, ESTABLISHED);
});

test('unsolicited inbound SYN with no mapping: dropped silently, nothing answers (RFC 5382 REQ-4: no reply within 6 s)', () => {
  const t = tcpNet();
  t.net.host('z').output(segment(Z, 5555, EXT, 40000, TCP_SYN));
  t.net.runUntilIdle();
  t.net.advance('10s');
  assert.deepEqual(t.seen, []);
  assert.equal(t.drops('nat-no-mapping'), 1);
  assert.equal(t.net.router('home').nat!.size, 0);
});

const unsolicited: { nat: string; from: string; fromPort: number; host: string; delivered: boolean; why: string }[] = [
  // RFC 5382 REQ-3: EIF recommended for transparency, ADF when stricter filtering is wanted; Linux: APDF.
  { nat: 'port-restricted', from: Z, fromPort: 5555, host: 'z', delivered: false, why: 'APDF: never-contacted host' },
  { nat: 'port-restricted', from: Y, fromPort: 444, host: 'y1', delivered: false, why: 'APDF: contacted host, other port' },
  { nat: 'restricted-cone', from: Y, fromPort: 444, host: 'y1', delivered: true, why: 'ADF: contacted host, other port' },
  { nat: 'restricted-cone', from: Z, fromPort: 5555, host: 'z', delivered: false, why: 'ADF: never-contacted host' },
  { nat: 'full-cone', from: Z, fromPort: 5555, host: 'z', delivered: true, why: 'EIF: anyone, through a live mapping' },
];

for (const c of unsolicited) {
  test(`inbound SYN to a live TCP mapping, ${c.why}: ${c.delivered ? 'delivered' : 'filtered'} as for UDP`, () => {
    const t = tcpNet(c.nat);
    t.out(TCP_SYN);
    t.into(TCP_SYN | TCP_ACK);
    t.out(TCP_ACK);
    t.into(TCP_SYN, 40000, c.from, c.fromPort, c.host);
    const atX = t.seen.filter((s) => s.at === 'x' && s.from === c.from && s.port === c.fromPort);
    assert.equal(atX.length, c.delivered ? 1 : 0);
    assert.equal(t.drops('nat-filtered'), c.delivered ? 0 : 1);
  });
}

test('mapping behaviour as for UDP: EIM keeps one external port across remotes, APDM takes one per remote', () => {
  for (const [nat, same] of [['port-restricted', true], ['symmetric', false]] as const) {
    const t = tcpNet(nat);
    t.out(TCP_SYN, 40000, Y, 443);
    t.out(TCP_SYN, 40000, '198.51.100.2', 443);
    const ports = new Set(t.seen.map((s) => s.port));
    assert.equal(ports.size === 1, same, `${nat}: external ports ${[...ports].join(',')}`);
  }
});

test('an ICMP error about a TCP segment neither ends nor changes the connection (RFC 5382 REQ-10)', () => {
  const t = tcpNet();
  t.out(TCP_SYN);
  t.into(TCP_SYN | TCP_ACK);
  const offending = segment(EXT, t.extPort(), Y, 443, TCP_ACK);
  t.net.host('y1').output(icmpError(offending, parseIpv4(Y), ICMP_DEST_UNREACHABLE, UNREACH_PORT)!);
  t.net.runUntilIdle();
  assert.equal(state(t), 'established');
});

test('timeouts are configurable and apply to live mappings at nat set; the UDP lifetime does not touch TCP', () => {
  const t = tcpNet({ preset: 'port-restricted', lifetime: '30s', tcpEstablished: '10m', tcpTransitory: '1m' });
  t.out(TCP_SYN, 40000);
  t.into(TCP_SYN | TCP_ACK, 40000);
  t.out(TCP_SYN, 40001);
  assert.equal(t.mapping(40000)!.expiresInNs, 10 * MIN);
  assert.equal(t.mapping(40001)!.expiresInNs, 1 * MIN);
  t.net.setNat('home', { tcpEstablished: '20m' });
  assert.equal(t.mapping(40000)!.expiresInNs, 20 * MIN, 'a new timeout counts from the last refresh');
  t.net.advance('1m');
  assert.equal(t.mapping(40001), undefined);
  t.net.advance('18m');
  assert.equal(state(t, 40000), 'established');
  t.net.advance('1m');
  assert.equal(t.mapping(40000), undefined);
});

test('a TCP mapping due before every older UDP one still expires on time (one sweep for all timeouts)', () => {
  const t = tcpNet({ preset: 'port-restricted', lifetime: '5m' });
  t.net.host('x').udpBind(5000).send('udp', 7000, Y);
  t.net.runUntilIdle();
  t.out(TCP_SYN);
  t.net.advance('4m');
  const expired = t.events.filter((e) => e.type === 'mapping-expired');
  assert.deepEqual(expired.map((e) => [e.proto, e.time]), [['tcp', TRANSITORY]], 'the sweep ran at 4m, not at the UDP mapping\'s 5m');
  t.net.advance('1m');
  assert.deepEqual(t.events.filter((e) => e.type === 'mapping-expired').map((e) => [e.proto, e.time]), [['tcp', TRANSITORY], ['udp', 5 * MIN]]);
});
