// Turns the NAT table's events into the network's JSON-friendly event form.
import { formatIpv4 } from '../wire/addr.js';
import { protoName } from './describe.js';
import type { MappingEvent } from './events.js';
import type { NatEvent } from './nat/mapping.js';

const endpoint = (ip: number | undefined, port: number | undefined): string =>
  ip === undefined ? '' : port === undefined ? formatIpv4(ip) : `${formatIpv4(ip)}:${port}`;

export function mappingEvent(router: string, e: NatEvent): MappingEvent {
  const m = e.mapping;
  const out: MappingEvent = {
    type: e.type,
    time: e.time,
    router,
    proto: protoName(m ? m.proto : (e.proto ?? 0)),
    internal: m ? endpoint(m.internalIp, m.internalPort) : endpoint(e.internalIp, e.internalPort),
    external: m ? endpoint(m.externalIp, m.externalPort) : '',
  };
  const remote = m ? endpoint(m.remoteIp, m.remotePort) : endpoint(e.remoteIp, e.remotePort);
  if (remote) out.remote = remote;
  if (m?.tcpState !== undefined) out.state = m.tcpState;
  if (m?.requestedBy !== undefined) out.requested = m.requestedBy;
  if (e.reason) out.reason = e.reason;
  return out;
}
