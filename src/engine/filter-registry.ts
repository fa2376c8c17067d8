// Every impairment filter in the network by id: adding, removing, listing.
import type { Interface } from './iface.js';
import { notFound } from './errors.js';
import { buildStages, describeFilter, linkHeaderBytes, mergeFilterChange, normalizeFilterSpec, type FilterChange, type FilterSpec, type NormalizedFilter } from './filters/spec.js';
import { Rng } from './rng.js';
import type { Network } from './network.js';

export interface FilterInfo {
  id: number;
  iface: string;
  direction: 'egress' | 'ingress';
  spec: NormalizedFilter;
  /** One line, e.g. "loss 2% delay 30ms±5ms rate 4mbit". */
  description: string;
  /** Packets the filter holds right now (delay lines, token-bucket queue). */
  held: number;
}

export class FilterRegistry {
  private nextId = 1;
  private readonly byId = new Map<number, Interface>();
  private readonly versions = new Map<number, number>();

  constructor(private readonly net: Network) {}

  add(ifaceName: string, spec: FilterSpec): FilterInfo {
    const iface = this.net.iface(ifaceName);
    const normalized = normalizeFilterSpec(spec, iface.mtu, linkHeaderBytes(iface.vlan.length));
    const id = this.nextId++;
    iface.addFilter({ id, direction: normalized.direction, spec: normalized, stages: this.stagesFor(iface, id, normalized, 0) });
    this.byId.set(id, iface);
    this.net.emit({ type: 'filter-added', time: this.net.now(), id, iface: iface.fullName, direction: normalized.direction });
    return this.info(iface, id)!;
  }

  /**
   * Changes a filter at run time, in the same place in the chain: options given replace the
   * filter's, `null` removes one, the rest stay (FilterChange). Packets already held leave as the
   * old settings said.
   */
  change(id: number, change: FilterChange): FilterInfo {
    const iface = this.byId.get(id);
    if (!iface) throw notFound(`no filter with id ${id}; \`vnet filter ls\` lists them`);
    const current = iface.filters.find((x) => x.id === id)!;
    const linkHeader = linkHeaderBytes(iface.vlan.length);
    const normalized = normalizeFilterSpec(mergeFilterChange(current.spec, change, iface.mtu, linkHeader), iface.mtu, linkHeader);
    const version = (this.versions.get(id) ?? 0) + 1;
    this.versions.set(id, version);
    iface.replaceFilter({ id, direction: normalized.direction, spec: normalized, stages: this.stagesFor(iface, id, normalized, version) });
    this.net.emit({ type: 'filter-changed', time: this.net.now(), id, iface: iface.fullName, direction: normalized.direction });
    return this.info(iface, id)!;
  }

  remove(id: number): FilterInfo {
    const iface = this.byId.get(id);
    if (!iface) throw notFound(`no filter with id ${id}; \`vnet filter ls\` lists them`);
    const info = this.info(iface, id)!;
    iface.removeFilter(id);
    this.byId.delete(id);
    this.net.emit({ type: 'filter-removed', time: this.net.now(), id, iface: iface.fullName, direction: info.direction });
    return info;
  }

  /** Filters of one interface, or of all, in the order they were added. */
  list(ifaceName?: string): FilterInfo[] {
    const only = ifaceName !== undefined ? this.net.iface(ifaceName) : undefined;
    const out: FilterInfo[] = [];
    for (const [id, iface] of [...this.byId.entries()].sort((a, b) => a[0] - b[0])) {
      if (only && iface !== only) continue;
      const info = this.info(iface, id);
      if (info) out.push(info);
    }
    return out;
  }

  /** Forgets the filters of an interface whose node is being removed. */
  dropInterface(iface: Interface): void {
    for (const f of iface.filters) this.byId.delete(f.id);
  }

  /** Stages with their own random stream: the filter's seed, or one forked from the network's by id (and version, after a change). */
  private stagesFor(iface: Interface, id: number, f: NormalizedFilter, version: number) {
    const label = version === 0 ? `filter:${id}` : `filter:${id}:v${version}`;
    const rng = f.seed !== undefined ? new Rng(f.seed) : this.net.rng.fork(label);
    return buildStages(f, {
      scheduler: this.net.scheduler, rng, mtu: iface.mtu, linkHeaderBytes: linkHeaderBytes(iface.vlan.length), drop: (pkt, reason) => iface.drop(pkt, reason) });
  }

  private info(iface: Interface, id: number): FilterInfo | undefined {
    const f = iface.filters.find((x) => x.id === id);
    if (!f) return undefined;
    return {
      id, iface: iface.fullName, direction: f.direction, spec: f.spec, description: describeFilter(f.spec),
      held: f.stages.reduce((n, s) => n + s.held(), 0),
    };
  }
}
