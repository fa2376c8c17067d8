// One-line text for packets, as event streams and error messages show them.
import { formatIpv4 } from '../wire/addr.js';
import { packetLength, PROTO_ICMP, PROTO_TCP, PROTO_UDP, type Packet } from '../wire/packet.js';

/** The fields a packet's one-line text is made from (a Packet has them all). */
export interface PacketFields {
  proto: number;
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  ttl: number;
  icmpType: number;
  icmpCode: number;
  icmpId: number;
  icmpSeq: number;
  /** Fragment word (Packet.frag): 0 or absent for a whole datagram. */
  frag?: number;
}

export function describePacket(p: Packet): string {
  return describeFields(p, packetLength(p));
}

/** The text of a packet of `len` bytes with fields `p`. */
export function describeFields(p: PacketFields, len: number): string {
  const f = p.frag ?? 0;
  if (f !== 0) {
    // A fragment: ports only in the first; offset in bytes, `+` when more follow.
    const tail = ` frag=${(f & 0x1fff) * 8}${(f & 0x2000) !== 0 ? '+' : ''}`;
    if ((f & 0x1fff) !== 0) return `IP proto ${p.proto} ${formatIpv4(p.src)} → ${formatIpv4(p.dst)} len=${len} ttl=${p.ttl}${tail}`;
    return describeFields({ ...p, frag: 0 }, len) + tail;
  }
  if (p.proto === PROTO_UDP || p.proto === PROTO_TCP) {
    const name = p.proto === PROTO_UDP ? 'UDP' : 'TCP';
    return `${name} ${formatIpv4(p.src)}:${p.srcPort} → ${formatIpv4(p.dst)}:${p.dstPort} len=${len} ttl=${p.ttl}`;
  }
  if (p.proto === PROTO_ICMP) {
    return `ICMP ${formatIpv4(p.src)} → ${formatIpv4(p.dst)} type=${p.icmpType} code=${p.icmpCode} id=${p.icmpId} seq=${p.icmpSeq} len=${len} ttl=${p.ttl}`;
  }
  return `IP proto ${p.proto} ${formatIpv4(p.src)} → ${formatIpv4(p.dst)} len=${len} ttl=${p.ttl}`;
}

export function protoName(proto: number): string {
  return proto === PROTO_UDP ? 'udp' : proto === PROTO_TCP ? 'tcp' : proto === PROTO_ICMP ? 'icmp' : String(proto);
}
