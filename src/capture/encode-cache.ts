// The IPv4 bytes of the last packet a capture framed. A packet crossing a link is seen twice with
// nothing changed (out of one interface, into the next), and a switched LAN shows it in and out
// unchanged too: those records copy the bytes instead of serializing and checksumming again.
import { onesSum } from '../wire/checksum.js';
import { encodeInto } from '../wire/codec.js';
import { PROTO_UDP, type Packet } from '../wire/packet.js';

const MAX_IPV4 = 65535;

export class EncodeCache {
  private readonly bytes = new Uint8Array(MAX_IPV4);
  /** bytes[0..length of the last encoding]: copied with TypedArray set, which allocates nothing (Buffer#copy of part of a buffer makes a view per call). */
  private encoded = this.bytes.subarray(0, 0);
  // The packet and the fields it had when encoded (routers rewrite packets in place between hops).
  private pkt: Packet | null = null;
  private src = 0;
  private dst = 0;
  private proto = 0;
  private ttl = 0;
  private tos = 0;
  private id = 0;
  private df = false;
  private frag = 0;
  private srcPort = 0;
  private dstPort = 0;
  private icmpType = 0;
  private icmpCode = 0;
  private icmpId = 0;
  private icmpSeq = 0;
  private payload: Uint8Array | null = null;
  private payloadLength = 0;
  private options: Uint8Array | null = null;
  // The last UDP payload summed, and its sum.
  private summed: Uint8Array | null = null;
  private summedLength = 0;
  private sum = 0;

  /** Writes `pkt`'s IPv4 bytes at buf[o..] and returns their length (throws WireError like encodeInto). */
  write(pkt: Packet, buf: Uint8Array, o: number): number {
    if (!this.holds(pkt)) {
      this.pkt = null;
      this.encoded = this.bytes.subarray(0, encodeInto(pkt, this.bytes, 0, pkt.proto === PROTO_UDP ? this.payloadSum(pkt.payload) : -1));
      this.remember(pkt);
    }
    buf.set(this.encoded, o);
    return this.encoded.length;
  }

  /** onesSum of a UDP payload: a datagram keeps its payload object from hop to hop, so it is summed once. */
  private payloadSum(payload: Uint8Array): number {
    if (payload !== this.summed || payload.length !== this.summedLength) {
      this.summed = payload;
      this.summedLength = payload.length;
      this.sum = onesSum(payload);
    }
    return this.sum;
  }

  /** Forgets the last packet (its object may be reused for another packet later). */
  clear(): void {
    this.pkt = null;
    this.payload = null;
    this.options = null;
    this.summed = null;
  }

  private holds(p: Packet): boolean {
    return p === this.pkt && p.src === this.src && p.dst === this.dst && p.proto === this.proto && p.ttl === this.ttl && p.tos === this.tos &&
      p.id === this.id && p.df === this.df && (p.frag ?? 0) === this.frag && p.srcPort === this.srcPort && p.dstPort === this.dstPort &&
      p.icmpType === this.icmpType && p.icmpCode === this.icmpCode && p.icmpId === this.icmpId &&
      p.icmpSeq === this.icmpSeq && p.payload === this.payload && p.payload.length === this.payloadLength &&
      p.options === this.options;
  }

  private remember(p: Packet): void {
    this.pkt = p;
    this.src = p.src;
    this.dst = p.dst;
    this.proto = p.proto;
    this.ttl = p.ttl;
    this.tos = p.tos;
    this.id = p.id;
    this.df = p.df;
    this.frag = p.frag ?? 0;
    this.srcPort = p.srcPort;
    this.dstPort = p.dstPort;
    this.icmpType = p.icmpType;
    this.icmpCode = p.icmpCode;
    this.icmpId = p.icmpId;
    this.icmpSeq = p.icmpSeq;
    this.payload = p.payload;
    this.payloadLength = p.payload.length;
    this.options = p.options;
  }
}
