// Capture figures: the nat2 workload (two NATs, a hole punch, one-way UDP) with a capture tap on
// every interface, writing pcapng (one file) or pcap (a file per interface) to os.tmpdir(), against
// the same workload uncaptured; and how many records per second the writers put on disk.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureManager } from '../src/capture/index.js';
import { nat2Workload, type Nat2 } from './workloads.js';

type Report = (f: { name: string; value: number; unit: string; target?: string }) => void;

const DATAGRAMS = 200_000;
const BATCH = 1000;
const SIZE = 100;
const IFACES = ['a', 'nat-a/lan', 'nat-a/uplink', 'internet/lan', 'nat-b/uplink', 'nat-b/lan', 'b'];

type Workload = Nat2;

const nat2 = nat2Workload;

/** Sends DATAGRAMS in batches; returns delivered datagrams per second. */
function trial(w: Workload): number {
  let delivered = 0;
  const count = (): void => {
    delivered++;
  };
  w.to.on('message', count);
  const payload = Buffer.alloc(SIZE, 7);
  const t0 = performance.now();
  for (let sent = 0; sent < DATAGRAMS; sent += BATCH) {
    for (let i = 0; i < BATCH; i++) w.from.sendBytes(payload, w.port, '203.0.113.2');
    w.net.runDue();
  }
  const ms = performance.now() - t0;
  w.to.off('message', count);
  if (delivered !== DATAGRAMS) throw new Error(`nat2 delivered ${delivered} of ${DATAGRAMS}`);
  return (delivered / ms) * 1000;
}

/** One warm-up trial, then the median of three, each on a fresh network and fresh captures. */
function measure(setup: (w: Workload) => (() => void) | null): { pps: number; records: number; bytes: number } {
  const runs: { pps: number; records: number; bytes: number }[] = [];
  for (let i = 0; i < 4; i++) {
    const w = nat2();
    const finish = setup(w);
    const pps = trial(w);
    const m = (w as Workload & { captures?: CaptureManager }).captures;
    const infos = m ? m.stopAll() : [];
    finish?.();
    if (infos.some((c) => c.state !== 'stopped')) throw new Error(`a capture failed: ${JSON.stringify(infos)}`);
    if (i > 0) runs.push({ pps, records: infos.reduce((n, c) => n + c.packets, 0), bytes: infos.reduce((n, c) => n + c.bytes, 0) });
  }
  runs.sort((x, y) => x.pps - y.pps);
  return runs[1];
}

export function captureBench(report: Report): void {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-bench-capture-'));
  try {
    const plain = measure(() => null);
    let fileBytes = 0;
    const withCapture = (format: 'pcap' | 'pcapng') => (w: Workload): (() => void) => {
      const m = new CaptureManager(w.net);
      (w as Workload & { captures?: CaptureManager }).captures = m;
      const files: string[] = [];
      if (format === 'pcapng') files.push(join(dir, 'nat2.pcapng'));
      else for (const [i] of IFACES.entries()) files.push(join(dir, `nat2-${i}.pcap`));
      if (format === 'pcapng') m.start({ ifaces: IFACES, file: files[0] });
      else IFACES.forEach((iface, i) => m.start({ ifaces: [iface], file: files[i] }));
      return () => {
        fileBytes = files.reduce((n, f) => n + statSync(f).size, 0);
        for (const f of files) rmSync(f);
      };
    };
    const ng = measure(withCapture('pcapng'));
    const ngFile = fileBytes;
    const pc = measure(withCapture('pcap'));
    const records = DATAGRAMS * (IFACES.length + 1);
    report({ name: 'capture.nat2.pps_uncaptured', value: Math.round(plain.pps), unit: 'pps' });
    report({ name: 'capture.nat2.pps_pcapng_all_ifaces', value: Math.round(ng.pps), unit: `pps (${IFACES.length} interfaces, one pcapng of ${(ngFile / 2 ** 20).toFixed(1)} MiB)` });
    report({ name: 'capture.nat2.cost_pcapng', value: (1 - ng.pps / plain.pps) * 100, unit: '% of throughput', target: '< 30' });
    report({ name: 'capture.nat2.pps_pcap_all_ifaces', value: Math.round(pc.pps), unit: `pps (${IFACES.length} pcap files)` });
    report({ name: 'capture.nat2.cost_pcap', value: (1 - pc.pps / plain.pps) * 100, unit: '% of throughput', target: '< 30' });
    if (ng.records < records || pc.records < records) throw new Error(`captures recorded ${ng.records} / ${pc.records} packets, want at least ${records}`);
    report({ name: 'capture.pcapng.write_rate', value: Math.round(ng.pps * (IFACES.length + 1)), unit: 'packets/s written (8 records per datagram)' });
    report({ name: 'capture.pcap.write_rate', value: Math.round(pc.pps * (IFACES.length + 1)), unit: 'packets/s written (8 records per datagram)' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
