// Bytes ⇄ Packet: serializes the engine's packet repr with correct checksums, and parses untrusted bytes back.
import type { Ipv4 } from './addr.js';
import { fold, internetChecksum, pseudoHeaderSum } from './checksum.js';
import { WireError } from './errors.js';
import { ICMP_HEADER_LENGTH, IcmpView } from './icmp.js';
import { IPV4_MIN_HEADER, Ipv4View } from './ipv4.js';
import { PROTO_ICMP, PROTO_TCP, PROTO_UDP, readFragmentFields, type Packet } from './packet.js';
import { TCP_OFF_CHECKSUM, TcpView } from './tcp.js';
import { UDP_HEADER_LENGTH, UdpView } from './udp.js';
import { put16, put32 } from './bytes.js';

/** Largest IPv4 options block (IHL 15). */
const MAX_OPTIONS = 40;
/** Payloads shorter than this are copied byte by byte: cheaper than TypedArray.prototype.set's call. */
const SMALL_COPY = 16;

/** The serialized length of `p`: IPv4 header with options, transport header, payload. */
function encodedLength(p: Packet, optLen: number): number {
  const proto = p.proto;
  const th = p.frag ? 0 : proto === PROTO_UDP || proto === PROTO_ICMP ? 8 : proto === PROTO_TCP ? 4 : 0;
  return IPV4_MIN_HEADER + optLen + th + p.payload.length;
}

function optionsLength(p: Packet): number {
  const opts = p.options;
  if (opts === null) return 0;
  const n = opts.length;
  if ((n & 3) !== 0) throw new WireError(`ipv4: options length ${n} is not a multiple of 4`);
  if (n > MAX_OPTIONS) throw new WireError(`ipv4: options length ${n} exceeds ${MAX_OPTIONS}`);
  return n;
}

function copy(src: Uint8Array, dst: Uint8Array, at: number): void {
  const n = src.length;
  if (n < SMALL_COPY) {
    for (let i = 0; i < n; i++) dst[at + i] = src[i];
  } else {
    dst.set(src, at);
  }
}



/*
 * Output arrays over 64 bytes are carved from shared 64 KiB slabs, as Node's Buffer pool does: V8
 * allocates such typed arrays off-heap, which costs ~10× the encoding of a 100-byte packet. Arrays
 * up to 64 bytes live on the V8 heap and are cheap to make one by one.
 */
const SLAB_SIZE = 64 * 1024;
const POOL_MIN = 65;
const POOL_MAX = 4096;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

function allocate(n: number): Uint8Array {
  if (n < POOL_MIN || n > POOL_MAX) return new Uint8Array(n);
  if (slabUsed + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, n);
  slabUsed = (slabUsed + n + 7) & ~7;
  return out;
}

/**
 * Serializes `p` as a complete IPv4 packet into a new array (see encodeInto). The array may be a
 * window on a larger ArrayBuffer shared with other results: use its byteOffset and length, never
 * its whole `.buffer`, and do not transfer that buffer.
 */
export function encodePacket(p: Packet): Uint8Array {
  const out = allocate(encodedLength(p, optionsLength(p)));
  encodeInto(p, out, 0);
  return out;
}

/**
 * Serializes `p` into buf[offset..] and returns the bytes written: IPv4 header (IHL from the options,
 * DF flag, header checksum), then by protocol the UDP header with its pseudo-header checksum (a computed
 * 0 is sent as 0xffff), the TCP ports before `payload` with the checksum at payload offset 12
 * recomputed over the whole segment, or the ICMP header with its checksum over the message.
 * Other protocols, and fragments (`frag` nonzero: flags and offset written), carry `payload` as is. Throws WireError when the packet cannot be represented
 * or does not fit in the buffer. `udpPayloadSum`, when given, is `onesSum(p.payload)` worked out
 * before (a capture framing the same datagram at each hop): the UDP checksum then adds it to the
 * header and pseudo-header instead of summing the payload again.
 */
export function encodeInto(p: Packet, buf: Uint8Array, offset: number, udpPayloadSum = -1): number {
  const optLen = optionsLength(p);
  const hl = IPV4_MIN_HEADER + optLen;
  const total = encodedLength(p, optLen);
  if (total > 0xffff) throw new WireError(`ipv4: packet length ${total} exceeds 65535`);
  if (offset + total > buf.length) {
    throw new WireError(`encode: packet length ${total} exceeds the ${buf.length - offset} bytes left in the buffer`);
  }
  const frag = p.frag ?? 0;
  // A fragment's payload is raw IP payload: no transport header is built for it.
  const proto = frag === 0 ? p.proto : -1;
  const src = p.src;
  const dst = p.dst;
  const o = offset;
  buf[o] = 0x40 | (hl >>> 2);
  buf[o + 1] = p.tos;
  put16(buf, o + 2, total);
  put16(buf, o + 4, p.id);
  buf[o + 6] = (p.df ? 0x40 : 0) | ((frag >>> 8) & 0x3f);
  buf[o + 7] = frag & 0xff;
  buf[o + 8] = p.ttl;
  buf[o + 9] = p.proto;
  buf[o + 10] = 0;
  buf[o + 11] = 0;
  put32(buf, o + 12, src);
  put32(buf, o + 16, dst);
  if (optLen !== 0) copy(p.options!, buf, o + IPV4_MIN_HEADER);
  put16(buf, o + 10, internetChecksum(buf, o, o + hl));

  const l4 = o + hl;
  const end = o + total;
  const payload = p.payload;
  if (proto === PROTO_UDP) {
    const len = total - hl;
    put16(buf, l4, p.srcPort);
    put16(buf, l4 + 2, p.dstPort);
    put16(buf, l4 + 4, len);
    buf[l4 + 6] = 0;
    buf[l4 + 7] = 0;
    copy(payload, buf, l4 + UDP_HEADER_LENGTH);
    const pseudo = pseudoHeaderSum(src, dst, PROTO_UDP, len);
    const sum = udpPayloadSum < 0
      ? internetChecksum(buf, l4, end, pseudo)
      : ~fold(pseudo + p.srcPort + p.dstPort + len + udpPayloadSum) & 0xffff;
    put16(buf, l4 + 6, sum || 0xffff);
  } else if (proto === PROTO_TCP) {
    put16(buf, l4, p.srcPort);
    put16(buf, l4 + 2, p.dstPort);
    copy(payload, buf, l4 + 4);
    // A payload too short to hold the checksum field is a malformed segment: carried without one.
    if (payload.length >= TCP_OFF_CHECKSUM - 2) {
      buf[l4 + TCP_OFF_CHECKSUM] = 0;
      buf[l4 + TCP_OFF_CHECKSUM + 1] = 0;
      put16(buf, l4 + TCP_OFF_CHECKSUM, internetChecksum(buf, l4, end, pseudoHeaderSum(src, dst, PROTO_TCP, total - hl)));
    }
  } else if (proto === PROTO_ICMP) {
    buf[l4] = p.icmpType;
    buf[l4 + 1] = p.icmpCode;
    buf[l4 + 2] = 0;
    buf[l4 + 3] = 0;
    put16(buf, l4 + 4, p.icmpId);
    put16(buf, l4 + 6, p.icmpSeq);
    copy(payload, buf, l4 + ICMP_HEADER_LENGTH);
    put16(buf, l4 + 2, internetChecksum(buf, l4, end));
  } else {
    copy(payload, buf, l4);
  }
  return total;
}

/**
 * Parses an IPv4 packet (checked; throws WireError). `options` and `payload` are subarrays of `bytes`,
 * not copies. A fragment keeps its raw IP payload (see `Packet.frag`; reassembly checks its bounds).
 * Bytes past the IPv4 total length, and past the UDP length field, are dropped.
 */
export function decodePacket(bytes: Uint8Array): Packet {
  const ip = Ipv4View.checked(bytes);
  const hl = ip.headerLength;
  const l4 = ip.payload;
  const frag = (ip.bytes[6] << 8 | ip.bytes[7]) & 0x3fff;
  const p: Packet = {
    src: ip.src, dst: ip.dst, proto: ip.protocol, ttl: ip.ttl, tos: ip.tos, id: ip.id, df: ip.df, frag,
    options: hl > IPV4_MIN_HEADER ? ip.options : null,
    srcPort: 0, dstPort: 0, icmpType: 0, icmpCode: 0, icmpId: 0, icmpSeq: 0, payload: l4,
  };
  if (frag !== 0) {
    readFragmentFields(p);
    return p;
  }
  return decodeTransport(p, l4);
}

/**
 * The whole datagram whose fragments were put back together: `head`'s IP fields (the first fragment's)
 * with `l4`, the reassembled IP payload, parsed as decodePacket does (throws WireError). `l4` is not copied.
 */
export function reassembledPacket(head: Packet, l4: Uint8Array): Packet {
  const p: Packet = {
    src: head.src, dst: head.dst, proto: head.proto, ttl: head.ttl, tos: head.tos, id: head.id, df: head.df, frag: 0,
    options: head.options, srcPort: 0, dstPort: 0, icmpType: 0, icmpCode: 0, icmpId: 0, icmpSeq: 0, payload: l4,
  };
  return decodeTransport(p, l4);
}

function decodeTransport(p: Packet, l4: Uint8Array): Packet {
  if (p.proto === PROTO_UDP) {
    const u = UdpView.checked(l4);
    p.srcPort = u.srcPort;
    p.dstPort = u.dstPort;
    p.payload = u.data;
  } else if (p.proto === PROTO_TCP) {
    const t = TcpView.checked(l4);
    p.srcPort = t.srcPort;
    p.dstPort = t.dstPort;
    p.payload = l4.subarray(4);
  } else if (p.proto === PROTO_ICMP) {
    const c = IcmpView.checked(l4);
    p.icmpType = c.type;
    p.icmpCode = c.code;
    p.icmpId = c.id;
    p.icmpSeq = c.seq;
    p.payload = c.body;
  }
  return p;
}

function hex16(v: number): string {
  return `0x${v.toString(16).padStart(4, '0')}`;
}

/**
 * Everything wrong with the checksums of an IPv4 packet, one message each (empty when the header
 * checksum and the UDP/TCP/ICMP checksum are valid). A UDP checksum of 0 (none) is valid. Transport
 * checksums of fragments are not checked. Unparsable input gives the parse error as the one problem.
 */
export function verifyChecksums(bytes: Uint8Array): string[] {
  const problems: string[] = [];
  let ip: Ipv4View;
  try {
    ip = Ipv4View.checked(bytes);
  } catch (e) {
    if (e instanceof WireError) return [e.message];
    throw e;
  }
  if (!ip.verifyChecksum()) problems.push(`ipv4: header checksum ${hex16(ip.checksum)}, want ${hex16(ip.computeChecksum())}`);
  if (ip.mf || ip.fragmentOffset !== 0) return problems;
  const src: Ipv4 = ip.src;
  const dst: Ipv4 = ip.dst;
  try {
    if (ip.protocol === PROTO_UDP) {
      const u = UdpView.checked(ip.payload);
      if (!u.verifyChecksum(src, dst)) problems.push(`udp: checksum ${hex16(u.checksum)}, want ${hex16(u.computeChecksum(src, dst))}`);
    } else if (ip.protocol === PROTO_TCP) {
      const t = TcpView.checked(ip.payload);
      if (!t.verifyChecksum(src, dst)) problems.push(`tcp: checksum ${hex16(t.checksum)}, want ${hex16(t.computeChecksum(src, dst))}`);
    } else if (ip.protocol === PROTO_ICMP) {
      const c = IcmpView.checked(ip.payload);
      if (!c.verifyChecksum()) problems.push(`icmp: checksum ${hex16(c.checksum)}, want ${hex16(c.computeChecksum())}`);
    }
  } catch (e) {
    if (e instanceof WireError) problems.push(e.message);
    else throw e;
  }
  return problems;
}
