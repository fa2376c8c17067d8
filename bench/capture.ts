// Capture figures: the nat2 workload (two NATs, a hole punch, one-way UDP) with a capture tap on
// every interface, writing pcapng (one file) or pcap (a file per interface) to os.tmpdir(), against
// the same workload uncaptured; and how many records per second the writers put on disk.
// The floor: writing the same bytes in the writer's 64 KiB flushes, with no framing at all, takes
// time of its own on the engine's thread; that time against the uncaptured trial's is the least a
// capture of every interface can cost here, however cheap the framing becomes.
// Page padding (pcapng blocks kept off the file's 4096-byte boundaries, so a kill -9 leaves whole
// blocks): the share of the file it takes for small and MTU-sized frames, and what it costs the
// writer, against the same blocks written without it in the same run.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureManager, type CaptureInfo } from '../src/capture/index.js';
import { BLOCK_PAGE_PADDING, BLOCK_EPB } from '../src/capture/formats.js';
import { CaptureOutput, FLUSH_THRESHOLD } from '../src/capture/output.js';
import { nat2Workload, sendTrial, type Nat2 } from './workloads.js';

type Report = (f: { name: string; value: number; unit: string; target?: string }) => void;

const DATAGRAMS = 200_000;
const BATCH = 1000;
const SIZE = 100;
const IFACES = ['a', 'nat-a/lan', 'nat-a/uplink', 'internet/lan', 'nat-b/uplink', 'nat-b/lan', 'b'];

/** Sends DATAGRAMS in batches; returns delivered datagrams per second. */
function trial(w: Nat2): number {
  const r = sendTrial(w.net, w.from, w.port, '203.0.113.2', w.to, { datagrams: DATAGRAMS, batch: BATCH, size: SIZE });
  if (r.delivered !== DATAGRAMS) throw new Error(`nat2 delivered ${r.delivered} of ${DATAGRAMS}`);
  return r.pps;
}

/**
 * One warm-up trial, then the median of three, each on a fresh network. `setup` starts the trial's
 * captures and returns what stops them afterwards (giving their final infos), or null for none.
 */
function measure(setup: (w: Nat2) => (() => CaptureInfo[]) | null): { pps: number; records: number } {
  const runs: { pps: number; records: number }[] = [];
  for (let i = 0; i < 4; i++) {
    const w = nat2Workload();
    const finish = setup(w);
    const pps = trial(w);
    const infos = finish?.() ?? [];
    if (infos.some((c) => c.state !== 'stopped')) throw new Error(`a capture failed: ${JSON.stringify(infos)}`);
    if (i > 0) runs.push({ pps, records: infos.reduce((n, c) => n + c.packets, 0) });
  }
  runs.sort((x, y) => x.pps - y.pps);
  return runs[1];
}

/** Seconds to write `bytes` to a new file in `dir` in FLUSH_THRESHOLD chunks (median of three). */
function writeOnlySeconds(dir: string, bytes: number): number {
  const chunk = new Uint8Array(FLUSH_THRESHOLD).fill(0x5a);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const file = join(dir, 'write-only.bin');
    const fd = openSync(file, 'w');
    const t0 = performance.now();
    for (let done = 0; done < bytes; done += chunk.length) writeSync(fd, chunk);
    times.push((performance.now() - t0) / 1000);
    closeSync(fd);
    rmSync(file);
  }
  return times.sort((a, b) => a - b)[1];
}

/** Bytes of a pcapng file's padding blocks. */
function paddingBytes(file: string): number {
  const b = readFileSync(file);
  let n = 0;
  for (let o = 0; o < b.length; o += b.readUInt32LE(o + 4)) if (b.readUInt32LE(o) === BLOCK_PAGE_PADDING) n += b.readUInt32LE(o + 4);
  return n;
}

/**
 * Writes `count` EPB-shaped blocks of `total` bytes through a CaptureOutput, with page padding or
 * without; returns blocks per second (median of three) and the share of the file that is padding.
 */
function writerTrial(dir: string, total: number, count: number, pcapng: boolean): { rate: number; padding: number } {
  const block = new Uint8Array(total).fill(0x5a);
  const view = new DataView(block.buffer);
  view.setUint32(0, BLOCK_EPB, true);
  view.setUint32(4, total, true);
  view.setUint32(total - 4, total, true);
  const runs: { rate: number; padding: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const file = join(dir, 'writer.pcapng');
    const out = new CaptureOutput({ kind: 'file', fd: openSync(file, 'w'), path: file }, (err) => { throw err; }, { pcapng });
    const t0 = performance.now();
    for (let n = 0; n < count; n++) {
      out.reserve(total + out.blockSlack);
      const at = out.used;
      out.buf.set(block, at);
      out.used = out.placeBlock(at, total);
      out.commit();
    }
    out.close();
    const seconds = (performance.now() - t0) / 1000;
    runs.push({ rate: count / seconds, padding: (statSync(file).size - total * count) / statSync(file).size });
    rmSync(file);
  }
  return runs.sort((a, b) => a.rate - b.rate)[1];
}

function paddingBench(dir: string, report: Report): void {
  // An EPB of a 100-byte UDP datagram on one VLAN (190 bytes) and of a full 1500-byte frame (1560).
  for (const [label, total, count] of [['small', 192, 1_000_000], ['mtu', 1560, 200_000]] as const) {
    const plain = writerTrial(dir, total, count, false);
    const padded = writerTrial(dir, total, count, true);
    report({ name: `capture.pcapng.page_padding_${label}`, value: padded.padding * 100, unit: `% of the file (${total}-byte blocks)` });
    report({
      name: `capture.pcapng.page_padding_${label}_cost`, value: (1 - padded.rate / plain.rate) * 100,
      unit: `% of the writer's rate (${Math.round(padded.rate)} blocks/s padded, ${Math.round(plain.rate)} without)`,
    });
  }
}

export function captureBench(report: Report): void {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-bench-capture-'));
  try {
    const plain = measure(() => null);
    let fileBytes = 0;
    let padBytes = 0;
    const withCapture = (format: 'pcap' | 'pcapng') => (w: Nat2): (() => CaptureInfo[]) => {
      const m = new CaptureManager(w.net);
      const files: string[] = [];
      if (format === 'pcapng') {
        files.push(join(dir, 'nat2.pcapng'));
        m.start({ ifaces: IFACES, file: files[0] });
      } else {
        IFACES.forEach((iface, i) => {
          files.push(join(dir, `nat2-${i}.pcap`));
          m.start({ ifaces: [iface], file: files[i] });
        });
      }
      return () => {
        const infos = m.stopAll();
        fileBytes = files.reduce((n, f) => n + statSync(f).size, 0);
        if (format === 'pcapng') padBytes = paddingBytes(files[0]);
        for (const f of files) rmSync(f);
        return infos;
      };
    };
    const ng = measure(withCapture('pcapng'));
    const ngFile = fileBytes;
    const pc = measure(withCapture('pcap'));
    const records = DATAGRAMS * (IFACES.length + 1);
    report({ name: 'capture.nat2.pps_uncaptured', value: Math.round(plain.pps), unit: 'pps' });
    report({ name: 'capture.nat2.pps_pcapng_all_ifaces', value: Math.round(ng.pps), unit: `pps (${IFACES.length} interfaces, one pcapng of ${(ngFile / 2 ** 20).toFixed(1)} MiB)` });
    report({ name: 'capture.nat2.cost_pcapng', value: (1 - ng.pps / plain.pps) * 100, unit: '% of throughput', target: '< 30' });
    const plainSeconds = DATAGRAMS / plain.pps;
    const writeSeconds = writeOnlySeconds(dir, ngFile);
    report({
      name: 'capture.nat2.cost_floor', value: (writeSeconds / (plainSeconds + writeSeconds)) * 100,
      unit: `% (only the file writes of the same ${(ngFile / 2 ** 20).toFixed(1)} MiB, no framing: ${(ngFile / writeSeconds / 1e9).toFixed(2)} GB/s)`,
    });
    report({ name: 'capture.nat2.pps_pcap_all_ifaces', value: Math.round(pc.pps), unit: `pps (${IFACES.length} pcap files)` });
    report({ name: 'capture.nat2.cost_pcap', value: (1 - pc.pps / plain.pps) * 100, unit: '% of throughput', target: '< 30' });
    if (ng.records < records || pc.records < records) throw new Error(`captures recorded ${ng.records} / ${pc.records} packets, want at least ${records}`);
    report({ name: 'capture.pcapng.write_rate', value: Math.round(ng.pps * (IFACES.length + 1)), unit: 'packets/s written (8 records per datagram)' });
    report({ name: 'capture.pcap.write_rate', value: Math.round(pc.pps * (IFACES.length + 1)), unit: 'packets/s written (8 records per datagram)' });
    report({ name: 'capture.nat2.page_padding', value: (padBytes / ngFile) * 100, unit: `% of the nat2 pcapng (${(ngFile / 2 ** 20).toFixed(1)} MiB)` });
    paddingBench(dir, report);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
