// Text layouts shared by commands: tables with column headers (like `docker ps`), one per listing.
import type { CaptureInfo } from '../capture/index.js';
import type { MapInfo, ProxyInfo } from '../bridge/index.js';
import type { DnsRecord } from '../engine/dns.js';
import type { FilterInfo } from '../engine/filter-registry.js';
import { formatDuration } from '../engine/units.js';
import type { HostView, InterfaceView, LanView, MappingView, RouterView } from '../session/views.js';

/** A cell left empty. */
const NONE = '-';

/**
 * Rows under upper-case headers, columns two spaces apart and as wide as their widest cell; the last
 * column is not padded (no trailing blanks). `indent` goes before every line.
 */
export function table(headers: string[], rows: (string | number)[][], indent = ''): string[] {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === '' ? NONE : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
}

const packetsBytes = (packets: number, bytes: number): string => `${packets}/${bytes}B`;

/** One row per router; a router with several LANs lists every subnet and gateway, comma-separated, the first first. */
export function routerTable(list: RouterView[]): string[] {
  return table(['NAME', 'CIDR', 'GATEWAY', 'PARENT', 'UPLINK', 'NAT'],
    list.map((r) => [r.name, r.lans.map((l) => l.cidr).join(','), r.lans.map((l) => l.gateway).join(','), parentText(r), r.uplink.join(','), r.nat]));
}

/** The parent, with the LAN when it is not the parent's first. */
function parentText(r: RouterView): string {
  if (r.parent === null) return '(root)';
  return r.parentLan !== null && r.parentLan !== 'lan' ? `${r.parent}/${r.parentLan}` : r.parent;
}

/** A host's router, with the LAN when it is not the router's first (`office/lan2`). */
export function hostTable(list: HostView[]): string[] {
  const router = (h: HostView): string => (h.lan === 'lan' ? h.router : `${h.router}/${h.lan}`);
  // A NETNS column only when some host is a netns host (its namespace's name).
  if (list.some((h) => h.netns !== undefined)) {
    return table(['NAME', 'IPS', 'ROUTER', 'NETNS'], list.map((h) => [h.name, h.ips.join(','), router(h), h.netns ?? '']));
  }
  return table(['NAME', 'IPS', 'ROUTER'], list.map((h) => [h.name, h.ips.join(','), router(h)]));
}

/** A router's LANs: name, subnet, gateway, VLAN and what is on each. */
export function lanTable(list: LanView[], indent = ''): string[] {
  return table(['LAN', 'CIDR', 'GATEWAY', 'VLAN', 'HOSTS', 'ROUTERS'],
    list.map((l) => [l.name, l.cidr, l.gateway, l.vlan.join('.'), l.hosts.join(',') || NONE, l.children.join(',') || NONE]), indent);
}

export function filterTable(list: FilterInfo[]): string[] {
  return table(['ID', 'IFACE', 'HELD', 'FILTER'], list.map((f) => [f.id, f.iface, f.held, f.description]));
}

export function dnsTable(list: DnsRecord[]): string[] {
  return table(['NAME', 'IP', 'SEEN BELOW', 'SOURCE'], list.map((r) => [r.name, r.ip, r.router, r.auto ? 'host' : 'dns add']));
}

export function mappingTable(list: MappingView[]): string[] {
  return table(['ID', 'PROTO', 'INTERNAL', 'EXTERNAL', 'REMOTE', 'STATE', 'EXPIRES IN', 'OUT', 'IN', 'KIND'], list.map((m) => [
    m.id, m.proto, m.internal, m.external, m.remote ?? '', m.state ?? '', m.expiresInNs === null ? 'never' : formatDuration(m.expiresInNs),
    m.packetsOut, m.packetsIn, m.requested !== undefined ? `requested (${m.requested})` : m.explicit ? 'explicit' : 'traffic',
  ]));
}

export function interfaceTable(list: InterfaceView[], indent = ''): string[] {
  return table(['INTERFACE', 'ADDRESSES', 'MAC', 'MTU', 'VLAN', 'RX', 'TX', 'DROPS'], list.map((i) => [
    i.name, i.addresses.join(','), i.mac, i.mtu, i.vlan.join('.'), packetsBytes(i.stats.rxPackets, i.stats.rxBytes),
    packetsBytes(i.stats.txPackets, i.stats.txBytes), Object.entries(i.stats.drops).map(([k, v]) => `${k}=${v}`).join(' '),
  ]), indent);
}

export function captureTable(list: CaptureInfo[]): string[] {
  return table(['ID', 'STATE', 'FORMAT', 'INTERFACES', 'FILE', 'PACKETS', 'BYTES', 'DROPS', 'ERROR'], list.map((c) => [
    c.id, c.state, c.format, c.ifaces.join(','), c.file ?? 'stdout (stream)', c.packets, c.bytes, c.withDrops ? c.dropsRecorded : '', c.error ?? '',
  ]));
}

export function mapTable(list: MapInfo[]): string[] {
  return table(['ID', 'LISTEN', 'HOST', 'REMOTE', 'CLIENT', 'IN', 'OUT', 'DROPS', 'ERRORS'], list.map((m) => [
    m.id, m.listen, `${m.host}:${m.virtualPort}`, m.remote, m.client ?? '(none yet)', packetsBytes(m.packetsIn, m.bytesIn),
    packetsBytes(m.packetsOut, m.bytesOut), m.drops, m.lastError ? `${m.errors} (${m.lastError})` : m.errors,
  ]));
}

export function proxyTable(list: ProxyInfo[]): string[] {
  return table(['ID', 'AS', 'REAL', 'HOST', 'CLIENTS', 'TO REAL', 'FROM REAL', 'ERRORS'], list.map((p) => [
    p.id, p.as, p.real, p.host, p.clients, packetsBytes(p.packetsToReal, p.bytesToReal), packetsBytes(p.packetsFromReal, p.bytesFromReal),
    p.lastError ? `${p.errors} (${p.lastError})` : p.errors,
  ]));
}
