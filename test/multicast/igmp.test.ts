// IGMPv2 on the wire and what routers learn from it: the codec against fixed bytes, a join's
// report (and its repeat), query answers, leave and the last-member queries, membership
// expiry after 260 s without reports, and a capture that tshark decodes cleanly with the
// group MACs (01:00:5e + low 23 bits).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Network } from '../../src/engine/network.js';
import { CaptureManager } from '../../src/capture/index.js';
import type { NetworkEvent } from '../../src/engine/events.js';
import { decodeIgmp, encodeIgmp, IGMP_LEAVE, IGMP_QUERY, IGMP_V2_REPORT } from '../../src/wire/igmp.js';
import { parseIpv4 } from '../../src/wire/addr.js';
import { encodePacket, verifyChecksums } from '../../src/wire/codec.js';
import { igmpPacket } from '../../src/wire/igmp.js';
import { assertTsharkClean, requireTshark, tsharkFields } from '../capture/tshark.js';
import { WireError } from '../../src/wire/errors.js';

let dir = '';
before(() => {
  requireTshark();
  dir = mkdtempSync(join(tmpdir(), 'vnet-igmp-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('IGMPv2 messages: fixed bytes and checksums (RFC 2236 §2)', () => {
  // A v2 report for 239.1.1.1: ~(0x1600 + 0xef01 + 0x0101) = 0xf9fc (tshark checks it in the capture below).
  assert.equal(hex(encodeIgmp({ type: IGMP_V2_REPORT, maxResp: 0, group: parseIpv4('239.1.1.1') })), '1600f9fcef010101');
  // A general query with 10 s max response: 11 64 ee 9b 00 00 00 00.
  assert.equal(hex(encodeIgmp({ type: IGMP_QUERY, maxResp: 100, group: 0 })), '1164ee9b00000000');
  assert.equal(hex(encodeIgmp({ type: IGMP_LEAVE, maxResp: 0, group: parseIpv4('239.1.1.1') })), '1700f8fcef010101');
  assert.deepEqual(decodeIgmp(Buffer.from('1164ee9b00000000', 'hex')), { type: 0x11, maxResp: 100, group: 0 });
  assert.throws(() => decodeIgmp(Buffer.from('1164ee9c00000000', 'hex')), WireError);
  assert.throws(() => decodeIgmp(Buffer.from('1164ee9b', 'hex')), WireError);
  // The IP packet: TTL 1, TOS 0xc0, DF, Router Alert (IHL 6), protocol 2; its header checksum checks.
  const ip = encodePacket(igmpPacket(parseIpv4('10.1.0.2'), parseIpv4('239.1.1.1'), { type: IGMP_V2_REPORT, maxResp: 0, group: parseIpv4('239.1.1.1') }));
  assert.equal(hex(ip.subarray(0, 2)), '46c0');
  assert.deepEqual([ip[8], ip[9], ip[6] & 0x40, hex(ip.subarray(20, 24))], [1, 2, 0x40, '94040000']);
  assert.deepEqual(verifyChecksums(ip), []);
});

/** internet → r1 (multicast forwarding, querier on its LAN) with hosts a, b. */
function lan(): { net: Network; events: NetworkEvent[] } {
  const net = new Network({ clock: 'virtual', seed: 7 });
  const events: NetworkEvent[] = [];
  net.on((e) => { if (e.type.startsWith('mcast')) events.push(e); });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'r1', parent: 'internet', cidr: '10.1.0.0/24', ips: ['198.51.100.254'], nat: 'none', multicast: { forwarding: true } });
  net.addHost({ name: 'a', router: 'r1', ips: ['10.1.0.2'] });
  net.addHost({ name: 'b', router: 'r1', ips: ['10.1.0.3'] });
  return { net, events };
}

test('a join is reported at once, the router learns the member; a leave brings 2 group-specific queries and the member goes 2 s later', () => {
  const { net, events } = lan();
  const file = join(dir, 'igmp.pcapng');
  const m = new CaptureManager(net);
  m.start({ ifaces: ['a/eth0', 'r1/lan'], file });
  assert.equal(net.joinGroup('a', '239.1.1.1'), true);
  assert.equal(net.joinGroup('a', '239.1.1.1'), false, 'joined already');
  net.runUntilIdle();
  assert.deepEqual(net.memberships('r1').learned.map((x) => [x.router, x.iface, x.group, x.reporter]), [['r1', 'lan', '239.1.1.1', '10.1.0.2']]);
  assert.deepEqual(net.memberships('a').joined, [{ node: 'a', group: '239.1.1.1', iface: 'a/eth0', sockets: 0, cli: true }]);
  net.advance('10s'); // the repeat report, within the unsolicited report interval
  assert.equal(net.leaveGroup('a', '239.1.1.1'), true);
  assert.equal(net.leaveGroup('a', '239.1.1.1'), false);
  net.advance('3s');
  assert.deepEqual(net.memberships('r1').learned, []);
  assert.deepEqual(events.map((e) => `${e.type} ${(e as { reason?: string }).reason ?? ''}`), ['mcast-member-added ', 'mcast-member-removed leave']);
  m.stopAll();
  assertTsharkClean(file);
  const rows = tsharkFields(file, ['frame.interface_name', 'frame.p2p_dir', 'eth.dst', 'ip.src', 'ip.dst', 'ip.ttl', 'ip.opt.type', 'igmp.type', 'igmp.maddr'], 'igmp && frame.interface_name == "a/eth0"');
  assert.deepEqual(rows.map((r) => `${r[1] === '0' ? 'out' : 'in'} ${r[7]} ${r[4]} ${r[2]} ttl=${r[5]} opt=${r[6]} group=${r[8]}`), [
    'out 0x16 239.1.1.1 01:00:5e:01:01:01 ttl=1 opt=148 group=239.1.1.1',
    'out 0x16 239.1.1.1 01:00:5e:01:01:01 ttl=1 opt=148 group=239.1.1.1',
    'out 0x17 224.0.0.2 01:00:5e:00:00:02 ttl=1 opt=148 group=239.1.1.1',
  ], 'report, its repeat, leave (a, no longer a member, takes no group-specific query)');
  const queries = tsharkFields(file, ['frame.p2p_dir', 'ip.dst', 'igmp.max_resp', 'igmp.maddr'], 'igmp.type == 0x11 && frame.interface_name == "r1/lan"');
  assert.deepEqual(queries, [['0', '239.1.1.1', '10', '239.1.1.1'], ['0', '239.1.1.1', '10', '239.1.1.1']], 'two group-specific queries, 1 s to answer (tenths)');
});

test('general queries every 125 s after 2 at startup keep members; a member that stops answering expires after 260 s', () => {
  const { net, events } = lan();
  const b = net.host('b');
  net.joinGroup('a', '239.1.1.1');
  net.joinGroup('b', '239.2.2.2');
  net.runUntilIdle();
  net.advance('1000s');
  assert.deepEqual(net.memberships('r1').learned.map((x) => x.group), ['239.1.1.1', '239.2.2.2'], 'answers to queries keep both');
  // b goes silent: its NIC stops (as if unplugged), so it neither answers nor leaves.
  b.eth0.up = false;
  const at = net.now();
  net.advance('300s');
  assert.deepEqual(net.memberships('r1').learned.map((x) => x.group), ['239.1.1.1']);
  const gone = events.find((e) => e.type === 'mcast-member-removed')!;
  assert.equal((gone as { reason?: string }).reason, 'timeout');
  assert.ok(gone.time - at <= 260e9 && gone.time - at > 125e9, `expired ${gone.time - at} ns after b went silent`);
});

test('a leave while another member remains: the group-specific queries draw its report and the router keeps the group', () => {
  const { net, events } = lan();
  net.joinGroup('a', '239.1.1.1');
  net.joinGroup('b', '239.1.1.1');
  net.advance('11s');
  net.leaveGroup('a', '239.1.1.1');
  net.advance('5s');
  assert.deepEqual(net.memberships('r1').learned.map((x) => [x.group, x.reporter]), [['239.1.1.1', '10.1.0.3']], 'b answered');
  assert.deepEqual(events.map((e) => e.type), ['mcast-member-added']);
});
