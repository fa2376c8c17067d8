// Ethernet II headers with 0, 1 and 2 VLAN tags: fixed bytes both ways, and validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BROADCAST_MAC, ETHERTYPE_IPV4, EthernetView, ethernetHeaderLength, ipv4MulticastMac, writeEthernetHeader,
} from '../../src/wire/ethernet.js';
import { WireError } from '../../src/wire/errors.js';
import { hex, toHex } from './vectors.js';

const DST = hex('02 00 00 00 00 0a');
const SRC = hex('02 00 00 00 00 01');

test('writeEthernetHeader: untagged, 802.1Q and QinQ headers byte for byte', () => {
  const cases = [
    { name: 'untagged', vlan: [], want: '02 00 00 00 00 0a 02 00 00 00 00 01 08 00' },
    { name: '802.1Q VID 100', vlan: [100], want: '02 00 00 00 00 0a 02 00 00 00 00 01 81 00 00 64 08 00' },
    { name: 'QinQ 100/200', vlan: [100, 200], want: '02 00 00 00 00 0a 02 00 00 00 00 01 88 a8 00 64 81 00 00 c8 08 00' },
  ];
  for (const c of cases) {
    const buf = new Uint8Array(32).fill(0xee);
    const n = writeEthernetHeader(buf, 2, DST, SRC, c.vlan, ETHERTYPE_IPV4);
    assert.equal(n, ethernetHeaderLength(c.vlan.length), `${c.name}: length`);
    assert.equal(toHex(buf.subarray(2, 2 + n)), c.want, `${c.name}: got ${toHex(buf.subarray(2, 2 + n))}, want ${c.want}`);
    assert.equal(buf[1], 0xee, `${c.name}: nothing written before the offset`);
  }
});

test('writeEthernetHeader refuses three VLAN tags', () => {
  assert.throws(() => writeEthernetHeader(new Uint8Array(40), 0, DST, SRC, [1, 2, 3], ETHERTYPE_IPV4),
    (e: unknown) => e instanceof WireError && /3 VLAN tags; at most 2/.test(e.message));
});

test('EthernetView parses what the writer wrote: MACs, tags outer first, EtherType, payload', () => {
  const frame = hex('02 00 00 00 00 0a 02 00 00 00 00 01 88 a8 20 64 81 00 10 c8 08 00 45 00');
  const v = EthernetView.checked(frame);
  assert.equal(toHex(v.dst), '02 00 00 00 00 0a');
  assert.equal(toHex(v.src), '02 00 00 00 00 01');
  assert.deepEqual(v.tags, [
    { tpid: 0x88a8, pcp: 1, dei: false, vid: 100 },
    { tpid: 0x8100, pcp: 0, dei: true, vid: 200 },
  ]);
  assert.equal(v.etherType, 0x0800);
  assert.equal(v.headerLength, 22);
  assert.equal(toHex(v.payload), '45 00');
  assert.equal(v.toString(), 'Ethernet 02:00:00:00:00:01 → 02:00:00:00:00:0a vlan 100.200 type 0x0800 len=24');
});

test('EthernetView.checked rejects truncated frames with one fact', () => {
  const cases = [
    { name: '13 bytes', bytes: new Uint8Array(13), want: 'ethernet: truncated (13 < 14 bytes)' },
    { name: 'tag cut short', bytes: hex('02 00 00 00 00 0a 02 00 00 00 00 01 81 00 00 64'), want: 'ethernet: VLAN tag 1 truncated (frame of 16 bytes)' },
  ];
  for (const c of cases) {
    let got = '(no error)';
    try {
      EthernetView.checked(c.bytes);
    } catch (e) {
      got = (e as Error).message;
    }
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});

test('group MACs: broadcast, and IPv4 multicast mapped to 01:00:5e plus the low 23 bits', () => {
  assert.equal(toHex(BROADCAST_MAC), 'ff ff ff ff ff ff');
  // 239.129.2.3: the high bit of the second octet is not carried.
  assert.equal(toHex(ipv4MulticastMac(0xef810203)), '01 00 5e 01 02 03');
  assert.equal(toHex(ipv4MulticastMac(0xe00000fb)), '01 00 5e 00 00 fb');
});
