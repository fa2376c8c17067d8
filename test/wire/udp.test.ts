// UdpView: fields and checksums of fixed datagrams, validation messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UdpView } from '../../src/wire/udp.js';
import { WireError } from '../../src/wire/errors.js';
import { DNS_QUERY, hex, toHex, UDP_ZERO_SUM } from './vectors.js';

// Checksums of the hand-built datagrams below computed with a separate Python implementation.
const DNS_SRC = 0xc0a80102;
const DNS_DST = 0x08080808;

test('UdpView fields of fixed datagrams', () => {
  const cases = [
    {
      name: 'DNS query', bytes: DNS_QUERY.subarray(20), src: DNS_SRC, dst: DNS_DST,
      want: { srcPort: 53000, dstPort: 53, length: 37, checksum: 0x7313, dataHead: '1c 2b 01 00', dataLength: 29, verified: true, computed: 0x7313 },
    },
    {
      name: 'computed 0 is carried as 0xffff', bytes: UDP_ZERO_SUM.subarray(20), src: 0x0a000001, dst: 0x0a000002,
      want: { srcPort: 1000, dstPort: 2000, length: 10, checksum: 0xffff, dataHead: 'e0 1f', dataLength: 2, verified: true, computed: 0xffff },
    },
    {
      name: 'checksum 0 means none',
      bytes: hex('03 e8 07 d0 00 0a 00 00 de ad'), src: 1, dst: 2,
      want: { srcPort: 1000, dstPort: 2000, length: 10, checksum: 0, dataHead: 'de ad', dataLength: 2, verified: true, computed: 0x1572 },
    },
    {
      name: 'bytes past the length field are not data',
      bytes: hex('03 e8 07 d0 00 09 00 00 aa bb cc'), src: 1, dst: 2,
      want: { srcPort: 1000, dstPort: 2000, length: 9, checksum: 0, dataHead: 'aa', dataLength: 1, verified: true, computed: 0x4a21 },
    },
  ];
  for (const c of cases) {
    const u = UdpView.checked(c.bytes);
    const got = {
      srcPort: u.srcPort, dstPort: u.dstPort, length: u.length, checksum: u.checksum,
      dataHead: toHex(u.data.subarray(0, 4)), dataLength: u.data.length,
      verified: u.verifyChecksum(c.src, c.dst), computed: u.computeChecksum(c.src, c.dst),
    };
    assert.deepEqual(got, c.want, `${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.want)}`);
  }
});

test('UdpView.verifyChecksum catches a flipped bit and the wrong addresses', () => {
  const b = DNS_QUERY.slice(20);
  assert.equal(new UdpView(b).verifyChecksum(DNS_SRC, DNS_DST + 1), false, 'wrong destination must fail');
  b[30] ^= 0x10;
  assert.equal(new UdpView(b).verifyChecksum(DNS_SRC, DNS_DST), false, 'flipped data bit must fail');
});

test('UdpView.checked rejects garbled input with one fact', () => {
  const cases = [
    { name: '3 bytes', bytes: hex('cf 08 00'), want: 'udp: truncated (3 < 8 bytes)' },
    { name: 'length below 8', bytes: hex('cf 08 00 35 00 05 00 00'), want: 'udp: length 5 below header length 8' },
    { name: 'length past the bytes', bytes: DNS_QUERY.subarray(20, 50), want: 'udp: length 37 exceeds the 30 bytes available' },
  ];
  for (const c of cases) {
    let got = '(no error)';
    try {
      UdpView.checked(c.bytes);
    } catch (e) {
      assert.ok(e instanceof WireError, `${c.name}: got ${String(e)}, want a WireError`);
      got = e.message;
    }
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});

test('UdpView setters and toString', () => {
  const u = new UdpView(DNS_QUERY.slice(20));
  assert.equal(u.toString(), 'UDP 53000 → 53 len=37');
  u.srcPort = 40000;
  u.dstPort = 5353;
  u.checksum = u.computeChecksum(DNS_SRC, DNS_DST);
  assert.ok(u.verifyChecksum(DNS_SRC, DNS_DST));
  assert.equal(toHex(u.bytes.subarray(0, 4)), '9c 40 14 e9');
});
