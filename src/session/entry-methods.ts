// What creates a router, host, name, filter or capture from its entry. The session's `router.add`,
// `host.add`, `dns.add`, `filter.add` and `capture.start` and a topology file's entries all come
// here with the same shapes (schema/topology.schema.json), already checked against the schema.
import type { CaptureStartOptions } from '../capture/index.js';
import type { DnsRecord } from '../engine/dns.js';
import { invalid } from '../engine/errors.js';
import type { FilterInfo } from '../engine/filter-registry.js';
import type { Host } from '../engine/host.js';
import type { Network } from '../engine/network.js';
import type { Router } from '../engine/router.js';
import { gatewayServices } from '../services/registry.js';
import type { Lan } from '../engine/router-lans.js';
import type { CaptureDoc, DnsDoc, FilterDoc, HostDoc, LanDoc, RouterDoc } from './topology-schema.js';

/** VLAN IDs from a list, or from text such as "100,20" (a flag's value); each must be 1-4094. */
export function vlanIds(vlan: RouterDoc['vlan']): number[] | undefined {
  if (vlan === undefined) return undefined;
  const ids = typeof vlan === 'string' ? vlan.split(',').map((s) => Number(s.trim())) : [...vlan];
  const bad = ids.find((v) => !Number.isInteger(v) || v < 1 || v > 4094);
  if (bad !== undefined) throw invalid(`VLAN ID ${bad} is not 1-4094`);
  return ids;
}

/** `router.add`: every key of the entry goes to the engine as it is, except the interfaces' groups; more LANs (`lans`) after it. */
export function addRouter(net: Network, doc: RouterDoc): Router {
  const { uplink, lan, vlan, lans, natpmp, ...options } = doc;
  const r = net.addRouter({ ...options, ips: uplink?.ips, mac: { lan: lan?.mac, uplink: uplink?.mac }, vlan: vlanIds(vlan) });
  try {
    for (const l of lans ?? []) addLan(net, { ...l, router: r.name });
    if (natpmp !== undefined) gatewayServices(net).enableNatPmp(r.name, natpmp);
  } catch (err) {
    net.remove(r.name);
    throw err;
  }
  return r;
}

/** What `router.iface.add` takes: a LAN entry of a router and the router's name. */
export type LanParams = LanDoc & { router: string };

/** `router.iface.add`: another LAN interface on a router. */
export function addLan(net: Network, doc: LanParams): Lan {
  const { vlan, ...options } = doc;
  return net.addLan({ ...options, vlan: vlanIds(vlan) });
}

/** `host.add`. */
export function addHost(net: Network, doc: HostDoc): Host {
  return net.addHost(doc);
}

/** `dns.add`: a name visible to hosts below `router` (left out: the root, so everywhere). */
export function addName(net: Network, doc: DnsDoc): DnsRecord {
  return net.addName(doc.name, doc.ip, doc.router);
}

/** `filter.add`: the filter's spec on the interface `on`. */
export function addFilter(net: Network, doc: FilterDoc): FilterInfo {
  const { on, ...spec } = doc;
  return net.addFilter(on, spec);
}

/** What `capture.start` takes: a capture entry whose file may be left out (to stream), and the pcap timestamp resolution. */
export type CaptureParams = Omit<CaptureDoc, 'on' | 'file'> & { on: string | string[]; file?: string; resolution?: 'ns' | 'us'; stream?: boolean };

/** What the capture manager takes for a capture entry or `capture.start`'s params: every key as it is, `on` as a list. */
export function captureOptions(doc: CaptureParams): CaptureStartOptions {
  const { on, stream: _stream, ...options } = doc;
  return { ...options, ifaces: typeof on === 'string' ? [on] : [...on] };
}
