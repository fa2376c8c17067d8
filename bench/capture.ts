// Capture figures: the nat2 workload (two NATs, a hole punch, one-way UDP) with a capture tap on
// every interface, writing pcapng (one file) or pcap (a file per interface) to os.tmpdir(), against
// the same workload uncaptured; and how many records per second the writers put on disk.
// The floor: writing the same bytes in the writer's 64 KiB flushes, with no framing at all, takes
// time of its own on the engine's thread; that time against the uncaptured trial's is the least a
// capture of every interface can cost here, however cheap the framing becomes.
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureManager, type CaptureInfo } from '../src/capture/index.js';
import { FLUSH_THRESHOLD } from '../src/capture/output.js';
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

export function captureBench(report: Report): void {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-bench-capture-'));
  try {
    const plain = measure(() => null);
    let fileBytes = 0;
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
