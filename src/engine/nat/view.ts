// A NAT mapping as the public API shows it (`router.nat.list()`, `vnet nat show --json`): text
// addresses, a protocol name and times in ns; the table's own records stay inside the engine.
import { formatIpv4 } from '../../wire/addr.js';
import { protoName } from '../describe.js';
import type { NatMapping } from './mapping.js';
import type { TcpState } from './tcp-state.js';

export interface MappingView {
  id: number;
  /** "udp", "tcp", "icmp"; "ip" for a 1:1 pair (every protocol). */
  proto: string;
  /** "IP:PORT" inside (1:1 pairs: the address alone). */
  internal: string;
  /** "IP:PORT" outside (1:1 pairs: the address alone). */
  external: string;
  /** ADM/APDM: the destination the mapping is bound to ("IP" or "IP:PORT"). */
  remote?: string;
  /** Made through the API (NAT-PMP, PCP, static), not learned from traffic. */
  explicit: boolean;
  /** Asked for by a client on the LAN ('natpmp', 'pcp'), with the lifetime it was granted in expiresInNs. */
  requested?: string;
  /** TCP (NAPT): the connection's phase, which decides its idle timeout (RFC 5382 REQ-5). */
  state?: TcpState;
  /** Nanoseconds until it expires unless refreshed; null: never. */
  expiresInNs: number | null;
  packetsOut: number;
  packetsIn: number;
}

/** `m` as seen at engine time `now` (ns). */
export function mappingView(m: NatMapping, now: number): MappingView {
  const port = (p: number): string => (m.proto === 0 ? '' : `:${p}`);
  const v: MappingView = {
    id: m.id,
    proto: m.proto === 0 ? 'ip' : protoName(m.proto),
    internal: `${formatIpv4(m.internalIp)}${port(m.internalPort)}`,
    external: `${formatIpv4(m.externalIp)}${port(m.externalPort)}`,
    explicit: m.explicit,
    expiresInNs: Number.isFinite(m.expiresAt) ? Math.max(0, m.expiresAt - now) : null,
    packetsOut: m.packetsOut,
    packetsIn: m.packetsIn,
  };
  if (m.requestedBy !== undefined) v.requested = m.requestedBy;
  if (m.tcpState !== undefined) v.state = m.tcpState;
  if (m.remoteIp !== undefined) v.remote = m.remotePort !== undefined ? `${formatIpv4(m.remoteIp)}:${m.remotePort}` : formatIpv4(m.remoteIp);
  return v;
}
