// Ipv4View: fields of fixed packets, validation messages, setters with checksum updates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ipv4View } from '../../src/wire/ipv4.js';
import { checksumAdjust } from '../../src/wire/checksum.js';
import { WireError } from '../../src/wire/errors.js';
import { DNS_QUERY, hex, IGMP_WITH_OPTIONS, toHex } from './vectors.js';

test('Ipv4View fields of fixed packets', () => {
  const cases = [
    {
      name: 'DNS query', bytes: DNS_QUERY,
      want: {
        version: 4, ihl: 5, headerLength: 20, tos: 0, totalLength: 57, id: 0x5c3a, df: true, mf: false, flags: 0x4000,
        fragmentOffset: 0, ttl: 64, protocol: 17, checksum: 0x0cc0, src: 0xc0a80102, dst: 0x08080808,
        options: '', payloadLength: 37, verified: true,
      },
    },
    {
      name: 'IGMP with Router Alert', bytes: IGMP_WITH_OPTIONS,
      want: {
        version: 4, ihl: 6, headerLength: 24, tos: 0xc0, totalLength: 32, id: 0, df: false, mf: false, flags: 0,
        fragmentOffset: 0, ttl: 1, protocol: 2, checksum: 0x8172, src: 0xc0a80102, dst: 0xe00000fb,
        options: '94 04 00 00', payloadLength: 8, verified: true,
      },
    },
    {
      name: 'middle fragment (MF, offset 185 × 8)',
      bytes: hex('45 00 00 1c 00 07 20 b9 40 11 00 00 0a 00 00 01 0a 00 00 02 00 00 00 00 00 00 00 00'),
      want: {
        version: 4, ihl: 5, headerLength: 20, tos: 0, totalLength: 28, id: 7, df: false, mf: true, flags: 0x2000,
        fragmentOffset: 1480, ttl: 64, protocol: 17, checksum: 0, src: 0x0a000001, dst: 0x0a000002,
        options: '', payloadLength: 8, verified: false,
      },
    },
  ];
  for (const c of cases) {
    const v = Ipv4View.checked(c.bytes);
    const got = {
      version: v.version, ihl: v.ihl, headerLength: v.headerLength, tos: v.tos, totalLength: v.totalLength, id: v.id,
      df: v.df, mf: v.mf, flags: v.flags, fragmentOffset: v.fragmentOffset, ttl: v.ttl, protocol: v.protocol,
      checksum: v.checksum, src: v.src, dst: v.dst, options: toHex(v.options), payloadLength: v.payload.length,
      verified: v.verifyChecksum(),
    };
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});

test('Ipv4View.checked ignores bytes past the total length', () => {
  const padded = new Uint8Array(DNS_QUERY.length + 5);
  padded.set(DNS_QUERY);
  const v = Ipv4View.checked(padded);
  assert.equal(v.bytes.length, 57, `view length got ${v.bytes.length}, want 57`);
  assert.equal(v.payload.length, 37, `payload length got ${v.payload.length}, want 37`);
  assert.equal(v.bytes.buffer, padded.buffer, 'the view shares the input buffer');
});

test('Ipv4View.checked rejects garbled input with one fact', () => {
  const dns = (edit: (b: Uint8Array) => void): Uint8Array => {
    const b = DNS_QUERY.slice();
    edit(b);
    return b;
  };
  const cases = [
    { name: 'empty', bytes: new Uint8Array(0), want: 'ipv4: truncated (0 < 20 bytes)' },
    { name: '19 bytes', bytes: DNS_QUERY.subarray(0, 19), want: 'ipv4: truncated (19 < 20 bytes)' },
    { name: 'IPv6 version nibble', bytes: dns((b) => { b[0] = 0x65; }), want: 'ipv4: version 6, want 4' },
    { name: 'IHL 4', bytes: dns((b) => { b[0] = 0x44; }), want: 'ipv4: IHL 4 below minimum 5' },
    { name: 'total length past the buffer', bytes: DNS_QUERY.subarray(0, 40), want: 'ipv4: total length 57 exceeds buffer length 40' },
    {
      name: 'header longer than the packet',
      bytes: hex('46 00 00 14 00 00 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02 00 00 00 00'),
      want: 'ipv4: header length 24 exceeds packet length 20',
    },
  ];
  for (const c of cases) {
    let got = '(no error)';
    try {
      Ipv4View.checked(c.bytes);
    } catch (e) {
      assert.ok(e instanceof WireError, `${c.name}: got ${String(e)}, want a WireError`);
      got = e.message;
    }
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});

test('Ipv4View setters: TTL decrement with incremental and full checksum updates agree', () => {
  const b = DNS_QUERY.slice();
  const v = new Ipv4View(b);
  const oldWord = (v.ttl << 8) | v.protocol;
  v.ttl = v.ttl - 1;
  const incremental = checksumAdjust(v.checksum, oldWord, (v.ttl << 8) | v.protocol);
  v.updateChecksum();
  assert.equal(v.checksum, incremental, `full got ${v.checksum.toString(16)}, want ${incremental.toString(16)}`);
  assert.equal(v.checksum, 0x0dc0, `got ${v.checksum.toString(16)}, want dc0`);
  assert.ok(v.verifyChecksum());
  v.src = 0xcb007101;
  v.dst = 0xffffffff;
  assert.equal(toHex(b.subarray(12, 20)), 'cb 00 71 01 ff ff ff ff');
  assert.equal(v.src, 0xcb007101);
  assert.equal(v.verifyChecksum(), false, 'stale checksum after an address change');
  assert.equal(v.computeChecksum() === v.checksum, false);
  v.updateChecksum();
  assert.ok(v.verifyChecksum());
});

test('Ipv4View.toString', () => {
  const got = Ipv4View.checked(DNS_QUERY).toString();
  const want = 'IPv4 192.168.1.2 → 8.8.8.8 proto=17 ttl=64 len=57 DF';
  assert.equal(got, want, `got ${got}, want ${want}`);
});
