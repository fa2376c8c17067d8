// Capture files as tshark reads them (checksums checked): interface names, directions, MACs,
// VLAN tags (802.1Q and QinQ), addresses before and after NAT, TTL per hop, ICMP, TCP through the
// NAT, drop comments, timestamps, and frame counts equal to the engine's interface counters.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CaptureManager } from '../../src/capture/index.js';
import { formatMac } from '../../src/engine/mac.js';
import type { Network } from '../../src/engine/network.js';
import { captureNetwork, runTraffic, SERVER } from './scenario.js';
import { assertTsharkClean, requireTshark, tsharkCount, tsharkFields } from './tshark.js';

let dir = '';
before(() => {
  requireTshark();
  dir = mkdtempSync(join(tmpdir(), 'vnet-capture-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const ALL = ['alice', 'home/lan', 'home/uplink', 'internet/lan', 'server', 'corp/uplink', 'corp/lan', 'bob'];

/** The scenario captured on `ifaces` into one file. */
function captured(name: string, ifaces: string[], extra: { format?: 'pcap' | 'pcapng'; resolution?: 'ns' | 'us'; withDrops?: boolean } = {}, setup?: (net: Network) => void): { file: string; net: Network } {
  const net = captureNetwork();
  setup?.(net);
  const file = join(dir, name);
  const m = new CaptureManager(net);
  m.start({ ifaces, file, ...extra });
  runTraffic(net);
  m.stopAll();
  return { file, net };
}

test('tshark reads a pcapng of every interface with valid checksums, no warnings, one frame per counted packet', () => {
  const { file, net } = captured('all.pcapng', ALL);
  assertTsharkClean(file);
  for (const name of ALL) {
    const s = net.iface(name).stats;
    const fullName = net.iface(name).fullName;
    assert.equal(tsharkCount(file, `frame.interface_name == "${fullName}"`), s.rxPackets + s.txPackets, `frames on ${fullName}`);
  }
  const names = new Set(tsharkFields(file, ['frame.interface_name']).map((r) => r[0]));
  assert.deepEqual([...names].sort(), ALL.map((n) => net.iface(n).fullName).sort());
});

test('UDP through home\'s NAT: private addresses and TTL 64 on home/lan, translated and TTL 63 on home/uplink, VLAN 100', () => {
  const { file } = captured('nat.pcapng', ['home/lan', 'home/uplink', 'server']);
  const f = ['frame.interface_name', 'frame.p2p_dir', 'vlan.id', 'ip.src', 'ip.dst', 'ip.ttl', 'udp.srcport', 'udp.dstport'];
  const out = tsharkFields(file, f, 'udp.dstport == 7000 && !icmp');
  const lan = out.filter((r) => r[0] === 'home/lan');
  const up = out.filter((r) => r[0] === 'home/uplink');
  const srv = out.filter((r) => r[0] === 'server/eth0' && r[3] === '203.0.113.10');
  assert.deepEqual(lan, Array(3).fill(['home/lan', '1', '100', '192.168.1.20', SERVER, '64', '5000', '7000']));
  assert.equal(up.length, 3);
  for (const r of up) assert.deepEqual([r[1], r[2], r[3], r[4], r[5], r[7]], ['0', '100', '203.0.113.10', SERVER, '63', '7000']);
  assert.notEqual(up[0][6], '', 'a translated source port');
  assert.deepEqual(srv.map((r) => [r[1], r[2], r[3], r[5]]), Array(3).fill(['1', '', '203.0.113.10', '63']));
  // Replies: public destination on the uplink, private on the LAN, TTL one less past the router.
  const back = tsharkFields(file, ['frame.interface_name', 'frame.p2p_dir', 'ip.dst', 'ip.ttl', 'udp.dstport'], 'udp.srcport == 7000');
  assert.deepEqual(back.filter((r) => r[0] === 'home/uplink').map((r) => r.slice(1, 4)), Array(3).fill(['1', '203.0.113.10', '64']));
  assert.deepEqual(back.filter((r) => r[0] === 'home/lan').map((r) => r.slice(1)), Array(3).fill(['0', '192.168.1.20', '63', '5000']));
});

test('QinQ: corp\'s frames carry an 802.1ad S-tag 300 and an 802.1Q C-tag 42', () => {
  const { file } = captured('qinq.pcapng', ['corp/uplink', 'bob']);
  assertTsharkClean(file);
  const out = tsharkFields(file, ['frame.interface_name', 'eth.type', 'ieee8021ad.id', 'vlan.id', 'ip.src'], 'udp.dstport == 7000');
  assert.deepEqual(out, [
    ['bob/eth0', '0x88a8', '300', '42', '10.1.0.5'],
    ['corp/uplink', '0x88a8', '300', '42', '203.0.113.20'],
  ]);
});

test('MACs: each hop from the sender\'s interface to the one that receives it', () => {
  const { file, net } = captured('macs.pcapng', ['alice', 'home/lan', 'home/uplink', 'internet/lan', 'server']);
  const mac = (n: string): string => formatMac(net.iface(n).mac);
  const out = tsharkFields(file, ['frame.interface_name', 'frame.p2p_dir', 'eth.src', 'eth.dst'], 'udp.dstport == 7000 && udp.payload contains "hello 0"');
  assert.deepEqual(out, [
    ['alice/eth0', '0', mac('alice'), mac('home/lan')],
    ['home/lan', '1', mac('alice'), mac('home/lan')],
    ['home/uplink', '0', mac('home/uplink'), mac('internet/lan')],
    ['internet/lan', '1', mac('home/uplink'), mac('internet/lan')],
    ['internet/lan', '0', mac('internet/lan'), mac('server')],
    ['server/eth0', '1', mac('internet/lan'), mac('server')],
  ]);
  const reply = tsharkFields(file, ['frame.interface_name', 'eth.src', 'eth.dst'], 'udp.srcport == 7000 && frame.interface_name == "home/lan"');
  assert.deepEqual(reply[0], ['home/lan', mac('home/lan'), mac('alice')]);
});

test('ICMP: echo through the NAT, and port unreachable quoting the datagram (translated back on the LAN)', () => {
  const { file } = captured('icmp.pcapng', ['home/lan', 'home/uplink']);
  assertTsharkClean(file);
  const echo = tsharkFields(file, ['frame.interface_name', 'icmp.type', 'icmp.ident', 'ip.src', 'ip.dst'], 'icmp.type == 8 || icmp.type == 0');
  assert.deepEqual(echo.map((r) => [r[0], r[1], r[3], r[4]]), [
    ['home/lan', '8', '192.168.1.20', SERVER], ['home/uplink', '8', '203.0.113.10', SERVER],
    ['home/uplink', '0', SERVER, '203.0.113.10'], ['home/lan', '0', SERVER, '192.168.1.20'],
  ]);
  assert.equal(echo[0][2], '77');
  assert.equal(echo[3][2], '77');
  const unreach = tsharkFields(file, ['frame.interface_name', 'icmp.type', 'icmp.code', 'ip.src', 'ip.dst', 'udp.dstport'], 'icmp.type == 3');
  assert.deepEqual(unreach, [
    ['home/uplink', '3', '3', `${SERVER},203.0.113.10`, `203.0.113.10,${SERVER}`, '9'],
    ['home/lan', '3', '3', `${SERVER},192.168.1.20`, `192.168.1.20,${SERVER}`, '9'],
  ]);
});

test('TCP through the NAT: SYN and SYN-ACK with valid checksums on both sides', () => {
  const { file } = captured('tcp.pcapng', ['home/lan', 'home/uplink']);
  assertTsharkClean(file);
  const out = tsharkFields(file, ['frame.interface_name', 'ip.src', 'tcp.srcport', 'ip.dst', 'tcp.dstport', 'tcp.flags.syn', 'tcp.flags.ack', 'tcp.checksum.status'], 'tcp');
  assert.equal(out.length, 4);
  const [synLan, synUp, ackUp, ackLan] = out;
  assert.deepEqual(synLan, ['home/lan', '192.168.1.20', '40000', SERVER, '443', '1', '0', '1']);
  assert.deepEqual([synUp[0], synUp[1], synUp[3], synUp[4], synUp[5]], ['home/uplink', '203.0.113.10', SERVER, '443', '1']);
  assert.deepEqual([ackUp[0], ackUp[1], ackUp[3], ackUp[4], ackUp[6]], ['home/uplink', SERVER, '203.0.113.10', synUp[2], '1']);
  assert.deepEqual(ackLan, ['home/lan', SERVER, '443', '192.168.1.20', '40000', '1', '1', '1']);
});

test('--with-drops: dropped packets are written with "dropped: REASON" and the way they were going', () => {
  const { file, net } = captured('drops.pcapng', ['bob', 'server'], { withDrops: true }, (n) => {
    n.addFilter('bob', { dropMatch: 'udp and dst port 7000' });
  });
  assertTsharkClean(file);
  const out = tsharkFields(file, ['frame.interface_name', 'frame.p2p_dir', 'frame.comment', 'udp.dstport'], 'frame.comment');
  assert.deepEqual(out, [
    ['bob/eth0', '0', 'dropped: match', '7000'],
    ['server/eth0', '1', 'dropped: port-unreachable', '9'],
  ]);
  assert.equal(net.iface('bob').stats.drops.get('match'), 1);
});

test('pcap: one interface, nanosecond or microsecond magic, timestamps from the virtual clock', () => {
  for (const resolution of ['ns', 'us'] as const) {
    const { file } = captured(`uplink-${resolution}.pcap`, ['home/uplink'], { resolution });
    assertTsharkClean(file);
    const out = tsharkFields(file, ['frame.time_epoch', 'ip.src'], 'udp.dstport == 7000');
    assert.deepEqual(out.map((r) => r[0]), ['1767225600.000000000', '1767225600.010000000', '1767225600.020000000'], `${resolution}`);
    assert.equal(readFileSync(file).readUInt32LE(0), resolution === 'ns' ? 0xa1b23c4d : 0xa1b2c3d4);
  }
});

test('the tshark check itself catches a bad UDP checksum', () => {
  const { file } = captured('bad.pcap', ['server']);
  const bytes = readFileSync(file);
  // First record: 24-byte file header, 16-byte record header, 14-byte Ethernet header, IPv4 (20), UDP checksum at +6.
  const at = 24 + 16 + 14 + 20 + 6;
  bytes[at] ^= 0xff;
  const bad = join(dir, 'bad-sum.pcap');
  writeFileSync(bad, bytes);
  assert.throws(() => assertTsharkClean(bad), /tshark finds problems/);
});
