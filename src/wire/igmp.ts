// IGMPv2 (RFC 2236): membership query, version 2 report, leave group; version 1 reports are read
// too. Eight bytes: type, max response time (1/10 s), checksum (RFC 1071 over the message), group.
// Linux sends them with TTL 1, TOS 0xc0, DF and the Router Alert option (RFC 2113), as
// `igmpPacket` does.
import type { Ipv4 } from './addr.js';
import { internetChecksum } from './checksum.js';
import { WireError } from './errors.js';
import { PROTO_IGMP, type Packet } from './packet.js';

export const IGMP_QUERY = 0x11;
export const IGMP_V1_REPORT = 0x12;
export const IGMP_V2_REPORT = 0x16;
export const IGMP_LEAVE = 0x17;
export const IGMP_V3_REPORT = 0x22;

/** 224.0.0.1, all systems on this subnet (general queries). */
export const ALL_SYSTEMS = 0xe0000001;
/** 224.0.0.2, all routers on this subnet (leave messages). */
export const ALL_ROUTERS = 0xe0000002;
/** IP option Router Alert (RFC 2113): type 148, length 4, value 0 (every router examines the packet). */
export const ROUTER_ALERT: Readonly<Uint8Array> = Uint8Array.of(0x94, 0x04, 0x00, 0x00);
/** IGMP messages' TOS byte as Linux sends it (precedence 6, internetwork control). */
export const IGMP_TOS = 0xc0;
export const IGMP_LENGTH = 8;

export interface IgmpMessage {
  type: number;
  /** Max response time in tenths of a second (queries; 0 in reports and leaves). */
  maxResp: number;
  /** The group (0 in a general query). */
  group: Ipv4;
}

/** The 8 bytes of an IGMPv2 message with its checksum. */
export function encodeIgmp(m: IgmpMessage): Uint8Array {
  if (!Number.isInteger(m.maxResp) || m.maxResp < 0 || m.maxResp > 255) throw new WireError(`igmp: max response ${m.maxResp} is not 0-255 tenths of a second`);
  const b = new Uint8Array(IGMP_LENGTH);
  b[0] = m.type;
  b[1] = m.maxResp;
  const g = m.group >>> 0;
  b[4] = g >>> 24;
  b[5] = (g >>> 16) & 0xff;
  b[6] = (g >>> 8) & 0xff;
  b[7] = g & 0xff;
  const sum = internetChecksum(b);
  b[2] = sum >>> 8;
  b[3] = sum & 0xff;
  return b;
}

/** Reads an IGMP message (at least 8 bytes; a v3 query is longer, its first 8 read the same); throws WireError on a short or corrupt one. */
export function decodeIgmp(bytes: Uint8Array): IgmpMessage {
  if (bytes.length < IGMP_LENGTH) throw new WireError(`igmp: ${bytes.length} bytes, want at least ${IGMP_LENGTH}`);
  if (internetChecksum(bytes) !== 0) throw new WireError('igmp: bad checksum');
  return { type: bytes[0], maxResp: bytes[1], group: ((bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) | bytes[7]) >>> 0 };
}

/** An IGMP message as the Packet a node sends: TTL 1, TOS 0xc0, DF, Router Alert. */
export function igmpPacket(src: Ipv4, dst: Ipv4, m: IgmpMessage): Packet {
  return {
    src, dst, proto: PROTO_IGMP, ttl: 1, tos: IGMP_TOS, id: 0, df: true, frag: 0, options: ROUTER_ALERT.slice(),
    srcPort: 0, dstPort: 0, icmpType: 0, icmpCode: 0, icmpId: 0, icmpSeq: 0, payload: encodeIgmp(m),
  };
}

/** `IGMP v2-report 239.1.1.1`, `IGMP query 0.0.0.0 max=10s` for texts. */
export function igmpTypeName(type: number): string {
  switch (type) {
    case IGMP_QUERY: return 'query';
    case IGMP_V1_REPORT: return 'v1-report';
    case IGMP_V2_REPORT: return 'v2-report';
    case IGMP_LEAVE: return 'leave';
    case IGMP_V3_REPORT: return 'v3-report';
    default: return `type-${type}`;
  }
}
