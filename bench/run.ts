// `npm run bench`: the workloads of architecture.md, one line per figure
// (`name value unit`), written to bench/results.json beside the targets.
import { readFileSync, writeFileSync } from 'node:fs';
import { Network } from '../src/engine/network.js';
import type { VSocket } from '../src/engine/socket.js';
import { cliLatency } from './cli.js';
import { nat2Workload, sendTrial } from './workloads.js';
import { captureBench } from './capture.js';
import { bridgeBench } from './bridge.js';
import { stunBench } from './stun.js';
import { natpmpBench } from './natpmp.js';
import { netnsBench } from './netns.js';
import { multicastBench } from './multicast.js';

interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: string;
  pion?: string;
}

const figures: Figure[] = [];
const DATAGRAMS = 200_000;
const SIZE = 100;

function report(f: Figure): void {
  figures.push(f);
  const extra = [f.target ? `target ${f.target}` : '', f.pion ? `pion ${f.pion}` : ''].filter(Boolean).join(', ');
  console.log(`${f.name} ${Number.isInteger(f.value) ? f.value : f.value.toFixed(2)} ${f.unit}${extra ? `   (${extra})` : ''}`);
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Sends `DATAGRAMS` datagrams in batches, draining the engine between batches so nothing overflows; returns pps delivered. */
function trial(net: Network, from: VSocket, port: number, address: string, sink: VSocket, batch: number): { pps: number; delivered: number } {
  const r = sendTrial(net, from, port, address, sink, { datagrams: DATAGRAMS, batch, size: SIZE });
  return { pps: Math.round(r.pps), delivered: r.delivered };
}

/** One warm-up trial (the JIT), then the median of three; loss is the worst trial's. */
function throughput(net: Network, from: VSocket, port: number, address: string, sink: VSocket, batch: number): { pps: number; delivered: number; cold: number } {
  const cold = trial(net, from, port, address, sink, batch).pps;
  const runs = [0, 1, 2].map(() => trial(net, from, port, address, sink, batch));
  runs.sort((x, y) => x.pps - y.pps);
  return { pps: runs[1].pps, delivered: Math.min(...runs.map((r) => r.delivered)), cold };
}

function base(): Network {
  const net = new Network({ clock: 'virtual', seed: 1 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  return net;
}

function flat(): void {
  const net = base();
  const a = net.addHost({ name: 'a', router: 'internet', ips: ['198.51.100.1'] });
  const b = net.addHost({ name: 'b', router: 'internet', ips: ['198.51.100.2'] });
  const sink = b.udpBind(7000);
  sink.setRecvBufferSize(64 * 1024 * 1024);
  const r = throughput(net, a.udpBind(5000), 7000, '198.51.100.2', sink, 1000);
  report({ name: 'flat.pps', value: r.pps, unit: 'pps', target: '2,000,000', pion: '150k lossless, 491k saturated' });
  report({ name: 'flat.loss', value: DATAGRAMS - r.delivered, unit: 'datagrams' });
  report({ name: 'flat.pps_first_trial', value: r.cold, unit: 'pps (JIT still warming)' });
}

function nat1(): void {
  const net = base();
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', ips: ['203.0.113.1'], nat: 'port-restricted' });
  const a = net.addHost({ name: 'a', router: 'home' });
  const b = net.addHost({ name: 'b', router: 'internet', ips: ['198.51.100.2'] });
  const sink = b.udpBind(7000);
  sink.setRecvBufferSize(64 * 1024 * 1024);
  const r = throughput(net, a.udpBind(5000), 7000, '198.51.100.2', sink, 1000);
  report({ name: 'nat1.pps', value: r.pps, unit: 'pps', target: '1,500,000', pion: '100k lossless, 260k saturated' });
  report({ name: 'nat1.loss', value: DATAGRAMS - r.delivered, unit: 'datagrams' });
  report({ name: 'nat1.pps_first_trial', value: r.cold, unit: 'pps (JIT still warming)' });
}

function nat2(): void {
  const { net, from, to, port } = nat2Workload();
  const r = throughput(net, from, port, '203.0.113.2', to, 1000);
  report({ name: 'nat2.pps', value: r.pps, unit: 'pps', target: '1,000,000, zero loss', pion: '75k lossless, 256k saturated' });
  report({ name: 'nat2.loss', value: DATAGRAMS - r.delivered, unit: 'datagrams' });
  report({ name: 'nat2.pps_first_trial', value: r.cold, unit: 'pps (JIT still warming)' });
}

function buildHosts(): { ms: number; heapMiB: number; rssMiB: number } {
  gc();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const net = base();
  net.addRouter({ name: 'campus', parent: 'internet', cidr: '10.0.0.0/16', nat: 'full-cone' });
  for (let i = 0; i < 10_000; i++) net.addHost({ name: `h${i}`, router: 'campus' }).udpBind(5000);
  const ms = performance.now() - t0;
  gc();
  const after = process.memoryUsage();
  const r = { ms, heapMiB: (after.heapUsed - before.heapUsed) / 2 ** 20, rssMiB: (after.rss - before.rss) / 2 ** 20 };
  net.close();
  return r;
}

function manyHosts(): void {
  const cold = buildHosts();
  const runs = [buildHosts(), buildHosts(), buildHosts()].sort((a, b) => a.ms - b.ms);
  report({ name: 'hosts10k.time', value: runs[1].ms, unit: 'ms (median of 3 after one warm-up)', target: '< 30', pion: '71' });
  report({ name: 'hosts10k.time_first', value: cold.ms, unit: 'ms (first build, cold JIT)' });
  report({ name: 'hosts10k.heap', value: cold.heapMiB, unit: 'MiB (heap kept by the network)', target: '< 30', pion: '+56 RSS' });
}

/** Inbound lookups of the first 1,000 mappings, 1M times: ns per lookup. */
function lookupNs(nat: NonNullable<ReturnType<Network['router']>['nat']>): number {
  const probe = nat.records().slice(0, 1000);
  let found = 0;
  const t0 = performance.now();
  for (let round = 0; round < 1000; round++) {
    for (let i = 0; i < probe.length; i++) {
      const m = probe[i];
      if (nat.inbound(m.proto, m.externalIp, m.externalPort, 198 * 2 ** 24 + 51 * 2 ** 16 + 100 * 256 + 7, 7000) !== 'nat-filtered') found++;
    }
  }
  const ns = ((performance.now() - t0) * 1e6) / 1_000_000;
  if (found !== 1_000_000) throw new Error(`lookups found ${found} of 1000000`);
  return ns;
}

function mappings(): void {
  gc();
  const before = process.memoryUsage();
  const net = base();
  net.addRouter({ name: 'cgn', parent: 'internet', cidr: '10.0.0.0/16', ips: ['203.0.113.1', '203.0.113.2'], nat: { preset: 'port-restricted', maxMappings: 200_000 } });
  const nat = net.router('cgn').nat!;
  const server = 198 * 2 ** 24 + 51 * 2 ** 16 + 100 * 256 + 7;
  const internal = (i: number): number => 10 * 2 ** 24 + Math.floor(i / 1000) * 256 + 2;
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) nat.outbound(17, internal(i), 10000 + (i % 1000), server, 7000);
  const small = lookupNs(nat);
  for (let i = 1000; i < 100_000; i++) nat.outbound(17, internal(i), 10000 + (i % 1000), server, 7000);
  const ms = performance.now() - t0;
  gc();
  const after = process.memoryUsage();
  report({ name: 'mappings100k.count', value: nat.size, unit: 'mappings' });
  report({ name: 'mappings100k.create', value: ms, unit: 'ms' });
  report({ name: 'mappings100k.heap', value: (after.heapUsed - before.heapUsed) / 2 ** 20, unit: 'MiB', target: '< 100', pion: 'stops at 16,384' });
  const large = lookupNs(nat);
  report({ name: 'mappings.lookup_at_1k', value: small, unit: 'ns/lookup' });
  report({ name: 'mappings.lookup_at_100k', value: large, unit: 'ns/lookup (same 1,000 mappings probed: O(1) if close to the 1k figure)' });
  net.close();
}

function tbfRate(): void {
  const net = base();
  net.addHost({ name: 'a', router: 'internet', ips: ['198.51.100.1'] });
  const b = net.addHost({ name: 'b', router: 'internet', ips: ['198.51.100.2'] });
  net.addFilter('a/eth0', { rate: '10mbit', burst: '15kb', queue: '1mb' });
  let bytes = 0;
  const sink = b.udpBind(7000);
  // What the bucket counts, as tc tbf does: the Ethernet frame (UDP + IP headers 28, Ethernet 14).
  sink.on('message', (m: Buffer) => { bytes += m.length + 28 + 14; });
  const s = net.host('a').udpBind(0);
  const payload = Buffer.alloc(1000);
  for (let t = 0; t < 10_000; t++) {
    for (let i = 0; i < 2; i++) s.sendBytes(payload, 7000, '198.51.100.2');
    net.advance(1);
  }
  const achieved = ((bytes - 15 * 1024) * 8) / 10;
  report({ name: 'tbf.rate_error', value: Math.abs(achieved - 10e6) / 1e6 * 10, unit: '% (virtual clock, 10 s at 10mbit)', target: '< 1 %' });
}

async function delayAccuracy(): Promise<void> {
  const net = new Network({ clock: 'real', seed: 1 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  const a = net.addHost({ name: 'a', router: 'internet', ips: ['198.51.100.1'] });
  const b = net.addHost({ name: 'b', router: 'internet', ips: ['198.51.100.2'] });
  net.addFilter('a/eth0', { delay: '50ms' });
  const errors: number[] = [];
  const sink = b.udpBind(7000);
  const s = a.udpBind(0);
  await new Promise<void>((resolve) => {
    let sent = 0;
    sink.on('message', (m: Buffer) => {
      errors.push(Math.abs(net.now() - Number(m.toString()) - 50e6) / 1e6);
      if (errors.length === 100) resolve();
    });
    const timer = setInterval(() => {
      s.send(String(net.now()), 7000, '198.51.100.2');
      if (++sent === 100) clearInterval(timer);
    }, 5);
  });
  errors.sort((x, y) => x - y);
  report({ name: 'delay50ms.median_error', value: errors[50], unit: 'ms (real clock)', target: '< 1' });
  net.close();
}

async function main(): Promise<void> {
  const only = process.argv[2];
  const all: Record<string, () => void | Promise<void>> = { flat, nat1, nat2, manyHosts, mappings, tbfRate, delayAccuracy, capture: () => captureBench(report), bridge: () => bridgeBench(report), stun: () => stunBench(report), natpmp: () => natpmpBench(report), netns: () => netnsBench(report), multicast: () => multicastBench(report), cli: () => cliLatency(report) };
  for (const [name, fn] of Object.entries(all)) if (!only || only === name) await fn();
  const file = new URL('../../bench/results.json', import.meta.url);
  // One workload run alone (`npm run bench -- netns`) replaces its own figures and keeps the others'.
  if (only) {
    const mine = new Set(figures.map((f) => f.name));
    const kept = (JSON.parse(readFileSync(file, 'utf8')) as { figures: Figure[] }).figures.filter((f) => !mine.has(f.name));
    figures.unshift(...kept);
  }
  const out = { date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length, figures };
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log('written bench/results.json');
}

await main();
