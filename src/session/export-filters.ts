// Impairment filters as Linux queueing disciplines: where each one goes (an ingress filter becomes
// the egress of the other end of the link) and what netem and tbf take from it, for the netns
// script and for containerlab's `tools netem set`; plus what of each filter does not carry over.
import { formatRate, formatSize } from '../engine/units.js';
import { defaultBurstBytes, linkHeaderBytes } from '../engine/filters/spec.js';
import type { LabPlan, PlanFilter } from './export-plan.js';
import { durationText } from './topology-export.js';

/** Where a qdisc goes: a node's own device, or the port of `member` on `router`'s LAN bridge. */
export type QdiscTarget = { node: string; dev: string } | { node: string; portOf: string };

export interface NetemParams {
  delay?: string;
  jitter?: string;
  /** Percent. */
  loss?: number;
  /** netem's gemodel p r 1-h 1-k, in percent. */
  gemodel?: [number, number, number, number];
  duplicate?: number;
  /** Keep order despite jitter: a pfifo under netem instead of its time-sorted queue. */
  pfifo?: boolean;
}

export interface TbfParams {
  rate: string;
  burst: string;
  limit: string;
  overhead?: number;
}

export interface Qdisc {
  on: string;
  target: QdiscTarget;
  netem?: NetemParams;
  tbf?: TbfParams;
}

const pct = (f: number): number => Number((f * 100).toFixed(6));

/** The qdiscs of the netns script and what of the filters they leave out. */
export function netnsQdiscs(plan: LabPlan): { qdiscs: Qdisc[]; gaps: string[] } {
  const qdiscs: Qdisc[] = [];
  const gaps: string[] = [];
  const taken = new Set<string>();
  for (const f of plan.filters) {
    const where = `filter on ${f.doc.on}${f.spec.direction === 'ingress' ? ' (ingress)' : ''}`;
    const target = netnsTarget(plan, f);
    if (target === undefined) {
      gaps.push(`${where}: tc cannot delay or shape what a ${f.iface === 'lo' ? 'loopback' : 'bridge'} interface receives; not carried over`);
      continue;
    }
    const key = JSON.stringify(target);
    if (taken.has(key)) {
      gaps.push(`${where}: a second filter on the same interface and direction; only the first is carried over`);
      continue;
    }
    taken.add(key);
    lanEgressGap(plan, f, where, gaps);
    const s = f.spec;
    const netem: NetemParams = {};
    if (s.delayNs > 0 || s.jitterNs > 0) netem.delay = durationText(s.delayNs);
    if (s.jitterNs > 0) netem.jitter = durationText(s.jitterNs);
    if (s.lossProbability !== undefined) netem.loss = pct(s.lossProbability);
    if (s.lossModel !== undefined) netem.gemodel = [pct(s.lossModel.p), pct(s.lossModel.r), pct(s.lossModel.lossBad), pct(s.lossModel.lossGood)];
    if (s.duplicate !== undefined) netem.duplicate = pct(s.duplicate);
    const q: Qdisc = { on: f.doc.on, target };
    if (Object.keys(netem).length > 0) q.netem = netem;
    if (s.rateBps !== undefined) q.tbf = tbfOf(f, gaps, where);
    if (s.preserveOrder && s.jitterNs > 0) {
      if (q.tbf) gaps.push(`${where}: preserveOrder with a rate; tc cannot keep netem's jitter in order and shape behind it, packets may reorder`);
      else q.netem!.pfifo = true;
    }
    if (s.dropMatch !== undefined) gaps.push(`${where}: dropMatch "${s.dropMatch}" (a pcap-filter expression) is not carried over`);
    if (q.netem || q.tbf) qdiscs.push(q);
  }
  return { qdiscs, gaps };
}

function tbfOf(f: PlanFilter, gaps: string[], where: string): TbfParams {
  const s = f.spec;
  const frame = linkHeaderBytes(0) + (s.overheadBytes ?? 0);
  const burst = s.burstBytes ?? defaultBurstBytes(s.rateBps!, f.mtu, frame);
  const tbf: TbfParams = { rate: formatRate(s.rateBps!), burst: `${burst}b`, limit: formatSize(s.queueBytes ?? Math.max(burst, 100 * f.mtu)) };
  if (s.overheadBytes !== undefined) {
    if (s.overheadBytes >= 0) tbf.overhead = s.overheadBytes;
    else gaps.push(`${where}: overhead ${s.overheadBytes} (counting IP bytes only); tc's tbf takes no negative overhead, frames are counted whole`);
  }
  return tbf;
}

/**
 * vnet switches a LAN's own traffic across the router's `lan` interface, so a filter there delays host-to-host
 * traffic too; Linux's bridge (or containerlab's link) gives the router's interface only what the router sends.
 */
function lanEgressGap(plan: LabPlan, f: PlanFilter, where: string, gaps: string[]): void {
  if (f.spec.direction !== 'egress') return;
  const r = plan.routers.find((x) => x.name === f.node);
  if (r === undefined || !r.lans.some((l) => l.name === f.iface)) return;
  if (r.members.filter((m) => m.lan === f.iface).length >= 2) gaps.push(`${where}: vnet applies it to traffic between ${r.name}'s ${f.iface === 'lan' ? 'LAN' : f.iface} members too; in the lab it acts only on what ${r.name} itself sends onto the LAN`);
}

/** The device a filter's qdisc goes on in the netns lab; undefined when tc has no place for it. */
function netnsTarget(plan: LabPlan, f: PlanFilter): QdiscTarget | undefined {
  if (f.spec.direction === 'egress') return { node: f.node, dev: f.iface };
  // What an interface receives is what the other end of its link sends.
  if (f.iface === 'eth0') {
    const h = plan.hosts.find((x) => x.name === f.node);
    return h ? { node: h.router, portOf: h.name } : undefined;
  }
  if (f.iface === 'uplink') {
    const r = plan.routers.find((x) => x.name === f.node);
    return r?.parent !== undefined ? { node: r.parent, portOf: r.name } : undefined;
  }
  return undefined;
}

/** One `containerlab tools netem set` call: the node, its interface and the flags. */
export interface ClabNetem {
  node: string;
  iface: string;
  flags: string[];
}

/** containerlab's netem set takes delay, jitter, loss and a rate in kbit on a container's own interface. */
export function clabNetem(plan: LabPlan): { commands: ClabNetem[]; gaps: string[] } {
  const commands: ClabNetem[] = [];
  const gaps: string[] = [];
  const taken = new Set<string>();
  for (const f of plan.filters) {
    const s = f.spec;
    const where = `filter on ${f.doc.on}${s.direction === 'ingress' ? ' (ingress)' : ''}`;
    if (s.direction === 'ingress') {
      gaps.push(`${where}: containerlab's netem acts on what a container sends; not carried over`);
      continue;
    }
    if (f.iface === 'lo') {
      gaps.push(`${where}: containerlab's netem takes only the lab's links; not carried over`);
      continue;
    }
    const key = `${f.node}/${f.iface}`;
    if (taken.has(key)) {
      gaps.push(`${where}: a second filter on the same interface; netem set replaces the first, only the first is carried over`);
      continue;
    }
    taken.add(key);
    lanEgressGap(plan, f, where, gaps);
    const flags: string[] = [];
    if (s.delayNs > 0) flags.push(`--delay ${durationText(s.delayNs)}`);
    if (s.jitterNs > 0) {
      if (s.delayNs > 0) flags.push(`--jitter ${durationText(s.jitterNs)}`);
      else gaps.push(`${where}: jitter without delay; containerlab refuses jitter alone, not carried over`);
    }
    if (s.lossProbability !== undefined) flags.push(`--loss ${pct(s.lossProbability)}`);
    if (s.rateBps !== undefined) {
      const kbit = Math.max(1, Math.round(s.rateBps / 1000));
      flags.push(`--rate ${kbit}`);
      gaps.push(`${where}: rate ${formatRate(s.rateBps)} becomes netem's rate${kbit * 1000 !== s.rateBps ? ` of ${kbit}kbit` : ''} (no token bucket: no burst, no queue limit${s.overheadBytes !== undefined ? ', no overhead' : ''})`);
    }
    if (s.lossModel !== undefined) gaps.push(`${where}: Gilbert-Elliott loss; containerlab's netem set has no loss model, not carried over`);
    if (s.duplicate !== undefined) gaps.push(`${where}: duplicate ${pct(s.duplicate)}%; containerlab's netem set has no duplication, not carried over`);
    if (s.preserveOrder && s.jitterNs > 0) gaps.push(`${where}: preserveOrder; netem reorders packets under jitter`);
    if (s.dropMatch !== undefined) gaps.push(`${where}: dropMatch "${s.dropMatch}" (a pcap-filter expression) is not carried over`);
    if (flags.length > 0) commands.push({ node: f.node, iface: f.iface, flags });
  }
  return { commands, gaps };
}
