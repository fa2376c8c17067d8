// The capture formats at byte level and through our reader: timestamps, pcap and pcapng headers,
// IDB options, EPB flags and comments, snaplen truncation, and the frames themselves.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CaptureManager, readCapture } from '../../src/capture/index.js';
import { interfaceDescriptionBlock, pcapFileHeader, sectionHeaderBlock } from '../../src/capture/formats.js';
import { putPcapngTimestampNs, readTimestamp64 } from '../../src/capture/le.js';
import { vnetVersion } from '../../src/capture/version.js';
import { DEFAULT_VIRTUAL_ORIGIN } from '../../src/engine/clock.js';
import { formatMac } from '../../src/engine/mac.js';
import { verifyChecksums } from '../../src/wire/codec.js';
import { EthernetView } from '../../src/wire/ethernet.js';
import { toHex } from '../wire/vectors.js';
import { captureNetwork, runTraffic } from './scenario.js';
import { requireTshark, tsharkFields } from './tshark.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vnet-capture-fmt-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The distinct packet times, in ms after the clock's origin, in file order (the scenario sends every 10 ms). */
function offsetsMs(packets: { timestampNs: bigint }[], origin: bigint): number[] {
  return [...new Set(packets.map((p) => Number(p.timestampNs - origin) / 1e6))];
}

function concat(chunks: Uint8Array[]): Uint8Array {
  return Buffer.concat(chunks);
}

test('pcapng timestamps: origin·10⁹ + ns as two 32-bit halves, exact past 2^53', () => {
  const cases = [
    { origin: 0, ns: 0 },
    { origin: DEFAULT_VIRTUAL_ORIGIN, ns: 0 },
    { origin: DEFAULT_VIRTUAL_ORIGIN, ns: 1 },
    { origin: DEFAULT_VIRTUAL_ORIGIN, ns: 999_999_999 },
    { origin: DEFAULT_VIRTUAL_ORIGIN, ns: 86_400_123_456_789 },
    { origin: 0xffffffff - 100, ns: 99_999_999_999 },
  ];
  const buf = new Uint8Array(8);
  for (const c of cases) {
    putPcapngTimestampNs(buf, 0, c.origin, c.ns);
    const want = BigInt(c.origin) * 1_000_000_000n + BigInt(c.ns);
    assert.equal(readTimestamp64(buf, 0), want, `origin ${c.origin} + ${c.ns} ns`);
  }
});

test('file headers byte for byte: pcap ns/µs magic, SHB, IDB options (if_tsresol 9)', () => {
  assert.equal(toHex(pcapFileHeader(262144, 'ns')), '4d 3c b2 a1 02 00 04 00 00 00 00 00 00 00 00 00 00 00 04 00 01 00 00 00');
  assert.equal(toHex(pcapFileHeader(65535, 'us')), 'd4 c3 b2 a1 02 00 04 00 00 00 00 00 00 00 00 00 ff ff 00 00 01 00 00 00');
  assert.equal(toHex(sectionHeaderBlock('vnet 1.2')),
    '0a 0d 0d 0a 2c 00 00 00 4d 3c 2b 1a 01 00 00 00 ff ff ff ff ff ff ff ff ' +
    '04 00 08 00 76 6e 65 74 20 31 2e 32 00 00 00 00 2c 00 00 00');
  const idb = interfaceDescriptionBlock({ name: 'a/lan', mac: Uint8Array.of(2, 0, 0, 0, 0, 1), snaplen: 1000, ipv4: [{ address: 0xc0a80101, netmask: 0xffffff00 }] });
  assert.equal(toHex(idb),
    '01 00 00 00 44 00 00 00 01 00 00 00 e8 03 00 00 ' +
    '02 00 05 00 61 2f 6c 61 6e 00 00 00 ' +
    '06 00 06 00 02 00 00 00 00 01 00 00 ' +
    '04 00 08 00 c0 a8 01 01 ff ff ff 00 ' +
    '09 00 01 00 09 00 00 00 ' +
    '00 00 00 00 44 00 00 00');
});

test('reader round-trips a pcapng stream: SHB, IDBs in order with their options, EPB flags, timestamps, frames', () => {
  const net = captureNetwork();
  const chunks: Uint8Array[] = [];
  const m = new CaptureManager(net);
  const info = m.start({ ifaces: ['home/lan', 'home/uplink'], sink: (c) => chunks.push(c) });
  assert.equal(chunks.length, 1, 'the file header comes first, on its own');
  runTraffic(net);
  assert.equal(chunks.length, 1 + m.list()[0].packets, 'then one chunk per packet');
  const stopped = m.stop(info.id);
  const f = readCapture(concat(chunks));
  assert.equal(f.format, 'pcapng');
  assert.equal(f.littleEndian, true);
  assert.equal(f.version, '1.0');
  assert.equal(f.userAppl, `vnet ${vnetVersion()}`);
  assert.match(f.userAppl!, /^vnet \d+\.\d+\.\d+/);
  assert.deepEqual(f.interfaces, [
    { linkType: 1, snaplen: 262144, name: 'home/lan', mac: formatMac(net.iface('home/lan').mac), ipv4: ['192.168.1.1/24'], tsresol: 9 },
    { linkType: 1, snaplen: 262144, name: 'home/uplink', mac: formatMac(net.iface('home/uplink').mac), ipv4: ['203.0.113.10/0'], tsresol: 9 },
  ]);
  assert.equal(f.packets.length, stopped.packets);
  const lan = net.iface('home/lan').stats;
  assert.equal(f.packets.filter((p) => p.interfaceId === 0 && p.flags === 1).length, lan.rxPackets);
  assert.equal(f.packets.filter((p) => p.interfaceId === 0 && p.flags === 2).length, lan.txPackets);
  const origin = BigInt(DEFAULT_VIRTUAL_ORIGIN) * 1_000_000_000n;
  assert.deepEqual(offsetsMs(f.packets, origin), [0, 10, 20, 30, 40, 50]);
  for (const p of f.packets) {
    assert.equal(p.caplen, p.origlen);
    assert.ok(p.caplen >= 60, `frames are padded to 60 bytes, got ${p.caplen}`);
    const eth = EthernetView.checked(p.data);
    assert.deepEqual(eth.tags.map((t) => [t.tpid, t.vid]), [[0x8100, 100]]);
    const ipLen = (eth.payload[2] << 8) | eth.payload[3];
    assert.deepEqual(verifyChecksums(eth.payload.subarray(0, ipLen)), []);
  }
  assert.equal(stopped.bytes, f.packets.reduce((n, p) => n + p.caplen, 0));
});

test('snaplen: caplen is cut to snaplen, origlen keeps the frame length (pcap and pcapng)', () => {
  requireTshark();
  for (const format of ['pcap', 'pcapng'] as const) {
    const net = captureNetwork();
    const file = join(dir, `snap.${format}`);
    const m = new CaptureManager(net);
    m.start({ ifaces: ['server'], file, snaplen: 40 });
    runTraffic(net);
    m.stopAll();
    const f = readCapture(readFileSync(file));
    assert.equal(f.format, format);
    assert.ok(f.packets.length > 0);
    for (const p of f.packets) {
      assert.equal(p.caplen, 40, `${format}: caplen`);
      assert.ok(p.origlen > 40, `${format}: origlen ${p.origlen}`);
    }
    const rows = tsharkFields(file, ['frame.len', 'frame.cap_len']);
    assert.deepEqual(rows, f.packets.map((p) => [String(p.origlen), '40']), `${format}: tshark sees the same lengths`);
  }
});

test('pcap reader: the µs magic gives microsecond timestamps and one interface', () => {
  const net = captureNetwork();
  const chunks: Uint8Array[] = [];
  const m = new CaptureManager(net);
  m.start({ ifaces: ['alice'], sink: (c) => chunks.push(c), format: 'pcap', resolution: 'us' });
  runTraffic(net);
  m.stopAll();
  const f = readCapture(concat(chunks));
  assert.equal(f.format, 'pcap');
  assert.equal(f.resolution, 'us');
  assert.equal(f.linkType, 1);
  assert.equal(f.snaplen, 262144);
  const origin = BigInt(DEFAULT_VIRTUAL_ORIGIN) * 1_000_000_000n;
  assert.deepEqual(offsetsMs(f.packets, origin), [0, 10, 20, 30, 40, 50]);
});
