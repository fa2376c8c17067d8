// Fuzz: readCapture on mutated pcap and pcapng files (written by vnet from a real scenario) and on
// random bytes may throw WireError and nothing else; a file it accepts has packets inside its bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureManager, readCapture } from '../../src/capture/index.js';
import { WireError } from '../../src/wire/errors.js';
import { captureNetwork, runTraffic } from '../capture/scenario.js';
import { Fuzz, fuzzCases, fuzzSeed, hexOf, onlyThrows } from './mutate.js';

const CASES = fuzzCases(1500, 0.3);

/** The scenario captured as pcap (µs and ns), and as pcapng with drops and several interfaces. */
function sampleFiles(): Uint8Array[] {
  const files: Uint8Array[] = [];
  for (const opts of [
    { ifaces: ['home/uplink'], format: 'pcap' as const },
    { ifaces: ['alice'], format: 'pcap' as const, resolution: 'us' as const, snaplen: 60 },
    { ifaces: ['home/lan', 'home/uplink', 'server'], format: 'pcapng' as const, withDrops: true },
  ]) {
    const net = captureNetwork();
    const chunks: Uint8Array[] = [];
    const m = new CaptureManager(net);
    m.start({ ...opts, sink: (c) => chunks.push(c) });
    runTraffic(net);
    m.stopAll();
    files.push(Buffer.concat(chunks));
  }
  return files;
}

test(`fuzz capture reader: ${CASES} mutated pcap/pcapng files raise WireError or read within their bytes`, () => {
  const f = new Fuzz(fuzzSeed('capture-reader'));
  const base = sampleFiles();
  for (const b of base) assert.ok(readCapture(b).packets.length > 0);
  let rejected = 0;
  for (let i = 0; i < CASES; i++) {
    const input = f.chance(0.05) ? f.bytes(f.int(64)) : f.mutate(f.pick(base));
    const threw = onlyThrows(WireError, `case ${i} readCapture`, input.length > 400 ? `${hexOf(input.subarray(0, 400))}…` : hexOf(input), () => {
      const file = readCapture(input);
      for (const p of file.packets) {
        assert.equal(p.data.length, p.caplen, `case ${i}: caplen ${p.caplen} but ${p.data.length} bytes of data`);
        assert.equal(p.data.buffer, input.buffer, `case ${i}: packet data lies inside the file`);
        assert.ok(typeof p.timestampNs === 'bigint');
      }
    });
    if (threw) rejected++;
  }
  assert.ok(rejected > 0, 'some inputs are rejected (the mutations reach the checks)');
});

test('capture reader: an empty if_tsresol and an EPB caplen of 0xFFFFFFFF are WireErrors', () => {
  const pcapng = sampleFiles()[2];
  const file = readCapture(pcapng);
  assert.ok(file.packets.length > 0);
  // The first EPB: after the SHB and the IDBs.
  let o = 0;
  const view = new DataView(pcapng.buffer, pcapng.byteOffset, pcapng.byteLength);
  while (view.getUint32(o, true) !== 6) o += view.getUint32(o + 4, true);
  const epb = Uint8Array.from(pcapng);
  new DataView(epb.buffer).setUint32(o + 20, 0xffffffff, true);
  assert.throws(() => readCapture(epb), (e: unknown) => e instanceof WireError && /caplen 4294967295, more than its block holds/.test(e.message));
  // An IDB with an if_tsresol option of length 0: SHB, then IDB(link 1, snaplen) + option 9 len 0 + end.
  const shbLength = view.getUint32(4, true);
  const idb = new Uint8Array(32);
  const d = new DataView(idb.buffer);
  d.setUint32(0, 1, true);
  d.setUint32(4, 32, true);
  d.setUint16(8, 1, true);
  d.setUint32(12, 65535, true);
  d.setUint16(16, 9, true); // if_tsresol, length 0
  d.setUint16(20, 0, true); // opt_endofopt
  d.setUint32(28, 32, true);
  const epbBytes = pcapng.subarray(o, o + view.getUint32(o + 4, true));
  const bad = Buffer.concat([pcapng.subarray(0, shbLength), idb, epbBytes]);
  assert.throws(() => readCapture(bad), (e: unknown) => e instanceof WireError && /option 9 .* holds 0 bytes, want 1/.test(e.message));
});
