// TcpView: fields, flags and checksum of a fixed SYN, validation messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TCP_ACK, TCP_FIN, TCP_PSH, TcpView } from '../../src/wire/tcp.js';
import { WireError } from '../../src/wire/errors.js';
import { hex, TCP_SYN, toHex } from './vectors.js';

const SRC = 0x0a000001;
const DST = 0x5db8d822;

test('TcpView fields of a SYN with an MSS option', () => {
  const t = TcpView.checked(TCP_SYN.subarray(20));
  const got = {
    srcPort: t.srcPort, dstPort: t.dstPort, seq: t.seq, ackNumber: t.ackNumber, dataOffset: t.dataOffset,
    headerLength: t.headerLength, flags: t.flags, syn: t.syn, ack: t.ack, fin: t.fin, rst: t.rst, psh: t.psh, urg: t.urg,
    window: t.window, checksum: t.checksum, urgent: t.urgent, options: toHex(t.options), dataLength: t.data.length,
    verified: t.verifyChecksum(SRC, DST), computed: t.computeChecksum(SRC, DST),
  };
  const want = {
    srcPort: 40000, dstPort: 80, seq: 0x12345678, ackNumber: 0, dataOffset: 6, headerLength: 24, flags: 0x02,
    syn: true, ack: false, fin: false, rst: false, psh: false, urg: false, window: 64240, checksum: 0x581d, urgent: 0,
    options: '02 04 05 b4', dataLength: 0, verified: true, computed: 0x581d,
  };
  assert.deepEqual(got, want, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  assert.equal(t.toString(), 'TCP 40000 → 80 [SYN] seq=305419896 win=64240 len=0');
});

test('TcpView flags byte and data after the header', () => {
  // ACK|PSH|FIN, data offset 5, ack number 0xfffffffe, 3 data bytes.
  const t = TcpView.checked(hex('00 50 9c 40 00 00 00 01 ff ff ff fe 50 19 01 00 00 00 00 00 61 62 63'));
  assert.equal(t.flags, TCP_ACK | TCP_PSH | TCP_FIN, `flags got ${t.flags}, want ${TCP_ACK | TCP_PSH | TCP_FIN}`);
  assert.equal(t.ackNumber, 0xfffffffe, `ackNumber got ${t.ackNumber}, want ${0xfffffffe}`);
  assert.equal(toHex(t.data), '61 62 63');
  assert.equal(t.options.length, 0);
  assert.equal(t.toString(), 'TCP 80 → 40000 [FIN,PSH,ACK] seq=1 ack=4294967294 win=256 len=3');
});

test('TcpView.verifyChecksum catches a flipped bit', () => {
  const b = TCP_SYN.slice(20);
  b[22] ^= 1;
  assert.equal(new TcpView(b).verifyChecksum(SRC, DST), false);
});

test('TcpView.checked rejects garbled input with one fact', () => {
  const cases = [
    { name: '19 bytes', bytes: TCP_SYN.subarray(20, 39), want: 'tcp: truncated (19 < 20 bytes)' },
    { name: 'data offset 4', bytes: hex('9c 40 00 50 00 00 00 00 00 00 00 00 40 02 fa f0 00 00 00 00'), want: 'tcp: data offset 4 below minimum 5' },
    { name: 'options cut off', bytes: TCP_SYN.subarray(20, 40), want: 'tcp: header length 24 exceeds segment length 20' },
  ];
  for (const c of cases) {
    let got = '(no error)';
    try {
      TcpView.checked(c.bytes);
    } catch (e) {
      assert.ok(e instanceof WireError, `${c.name}: got ${String(e)}, want a WireError`);
      got = e.message;
    }
    assert.equal(got, c.want, `${c.name}: got ${got}, want ${c.want}`);
  }
});
