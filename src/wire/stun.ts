// STUN messages (RFC 8489, RFC 5389) with the RFC 5780 attributes: a checked parse of untrusted
// bytes (WireError and nothing else), typed readers of the attributes vnet uses, and the encoder.
import { formatIpv4, type Ipv4 } from './addr.js';
import { WireError } from './errors.js';

/*
 * STUN message (RFC 8489 §5):
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |0 0|     STUN Message Type     |         Message Length        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Magic Cookie (0x2112A442)                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                Transaction ID (96 bits)                       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  attributes: type (16) | length (16) | value, padded to 4 ... |
 *
 * Message type bits: 0 0 M11..M7 C1 M6..M4 C0 M3..M0 (method M, class C). The length counts the
 * bytes after the header (a multiple of 4); an attribute's length counts its value before padding.
 */
export const STUN_OFF_TYPE = 0;
export const STUN_OFF_LENGTH = 2;
export const STUN_OFF_COOKIE = 4;
export const STUN_OFF_TRANSACTION = 8;
export const STUN_HEADER_LENGTH = 20;
export const STUN_MAGIC_COOKIE = 0x2112a442;
/** FINGERPRINT value = CRC-32 of the message before it XOR this ("STUN"). */
export const STUN_FINGERPRINT_XOR = 0x5354554e;

export const STUN_METHOD_BINDING = 0x001;

export type StunClass = 'request' | 'indication' | 'success' | 'error';
const CLASS_BITS: Record<StunClass, number> = { request: 0x000, indication: 0x010, success: 0x100, error: 0x110 };

/** Attribute types vnet reads or writes (RFC 8489 §18.3, RFC 5780 §9.1). */
export const StunAttr = {
  MAPPED_ADDRESS: 0x0001,
  CHANGE_REQUEST: 0x0003,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  MESSAGE_INTEGRITY_SHA256: 0x001c,
  XOR_MAPPED_ADDRESS: 0x0020,
  PADDING: 0x0026,
  RESPONSE_PORT: 0x0027,
  SOFTWARE: 0x8022,
  FINGERPRINT: 0x8028,
  RESPONSE_ORIGIN: 0x802b,
  OTHER_ADDRESS: 0x802c,
} as const;

/** CHANGE-REQUEST flags (RFC 5780 §7.2). */
export const CHANGE_IP = 0x4;
export const CHANGE_PORT = 0x2;

export interface StunAttribute {
  type: number;
  /** The value without padding; shares memory with the message. */
  value: Uint8Array;
}

export interface StunMessage {
  method: number;
  cls: StunClass;
  /** 12 bytes. */
  transactionId: Uint8Array;
  /** In message order, FINGERPRINT included (it was checked). */
  attributes: StunAttribute[];
}

/** An address attribute's value (IPv4; an IPv6 one is kept as text). */
export interface StunAddress {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
}

export function stunType(method: number, cls: StunClass): number {
  return ((method & 0xf80) << 2) | ((method & 0x070) << 1) | (method & 0x00f) | CLASS_BITS[cls];
}

function methodOf(type: number): number {
  return ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f);
}

function classOf(type: number): StunClass {
  switch (type & 0x110) {
    case 0x000: return 'request';
    case 0x010: return 'indication';
    case 0x100: return 'success';
    default: return 'error';
  }
}

const u16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];
const u32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/**
 * The cheap test RFC 8489 §7 gives for telling STUN from other traffic on one port: the first two
 * bits zero, the magic cookie, a length that is a multiple of 4 and fills the datagram. Never throws.
 */
export function looksLikeStun(b: Uint8Array): boolean {
  if (b.length < STUN_HEADER_LENGTH || (b[0] & 0xc0) !== 0) return false;
  const len = u16(b, STUN_OFF_LENGTH);
  return (len & 3) === 0 && len + STUN_HEADER_LENGTH === b.length && u32(b, STUN_OFF_COOKIE) === STUN_MAGIC_COOKIE;
}

/**
 * Parses a STUN message: the header as `looksLikeStun` requires it, every attribute within the
 * message, FINGERPRINT (when present) last and correct. Attribute values are not read here (see
 * the readers below). Untrusted bytes: throws WireError, never anything else.
 */
export function parseStun(b: Uint8Array): StunMessage {
  if (b.length < STUN_HEADER_LENGTH) throw new WireError(`stun: truncated (${b.length} < ${STUN_HEADER_LENGTH} bytes)`);
  if ((b[0] & 0xc0) !== 0) throw new WireError(`stun: first two bits are ${b[0] >> 6}, not 0`);
  const cookie = u32(b, STUN_OFF_COOKIE);
  if (cookie !== STUN_MAGIC_COOKIE) throw new WireError(`stun: magic cookie 0x${cookie.toString(16)} is not 0x2112a442`);
  const len = u16(b, STUN_OFF_LENGTH);
  if ((len & 3) !== 0) throw new WireError(`stun: length ${len} is not a multiple of 4`);
  if (len + STUN_HEADER_LENGTH !== b.length) throw new WireError(`stun: length ${len} + ${STUN_HEADER_LENGTH} does not match the ${b.length} bytes received`);
  const type = u16(b, STUN_OFF_TYPE);
  const attributes: StunAttribute[] = [];
  let o = STUN_HEADER_LENGTH;
  while (o < b.length) {
    if (o + 4 > b.length) throw new WireError(`stun: attribute header at ${o} truncated`);
    const at = u16(b, o);
    const alen = u16(b, o + 2);
    const end = o + 4 + alen;
    if (end > b.length) throw new WireError(`stun: attribute 0x${at.toString(16).padStart(4, '0')} at ${o} has length ${alen}, past the message end (${b.length} bytes)`);
    if (at === StunAttr.FINGERPRINT) {
      if (alen !== 4) throw new WireError(`stun: FINGERPRINT has length ${alen}, not 4`);
      if (end !== b.length) throw new WireError('stun: FINGERPRINT is not the last attribute');
      const want = (crc32(b, 0, o) ^ STUN_FINGERPRINT_XOR) >>> 0;
      const got = u32(b, o + 4);
      if (got !== want) throw new WireError(`stun: FINGERPRINT 0x${got.toString(16)} does not match 0x${want.toString(16)}`);
    }
    attributes.push({ type: at, value: b.subarray(o + 4, end) });
    o = end + ((4 - (alen & 3)) & 3);
  }
  if (o !== b.length) throw new WireError(`stun: last attribute's padding runs past the message end (${b.length} bytes)`);
  return { method: methodOf(type), cls: classOf(type), transactionId: b.subarray(STUN_OFF_TRANSACTION, STUN_HEADER_LENGTH), attributes };
}

/** The first attribute of a type (RFC 8489 §14: only the first instance counts). */
export function stunAttribute(m: StunMessage, type: number): Uint8Array | undefined {
  for (const a of m.attributes) if (a.type === type) return a.value;
  return undefined;
}

/** MAPPED-ADDRESS, RESPONSE-ORIGIN or OTHER-ADDRESS (plain), or XOR-MAPPED-ADDRESS (`xor`). */
export function readStunAddress(m: StunMessage, type: number, xor = type === StunAttr.XOR_MAPPED_ADDRESS): StunAddress | undefined {
  const v = stunAttribute(m, type);
  if (v === undefined) return undefined;
  const name = `0x${type.toString(16).padStart(4, '0')}`;
  if (v.length < 4) throw new WireError(`stun: address attribute ${name} truncated (${v.length} bytes)`);
  const family = v[1];
  const want = family === 1 ? 8 : family === 2 ? 20 : 0;
  if (want === 0) throw new WireError(`stun: address attribute ${name} has family ${family}, not 1 (IPv4) or 2 (IPv6)`);
  if (v.length !== want) throw new WireError(`stun: address attribute ${name} has ${v.length} bytes, not ${want}`);
  const port = u16(v, 2) ^ (xor ? STUN_MAGIC_COOKIE >>> 16 : 0);
  if (family === 1) {
    const ip = (u32(v, 4) ^ (xor ? STUN_MAGIC_COOKIE : 0)) >>> 0;
    return { family: 'IPv4', address: formatIpv4(ip), port };
  }
  const mask = new Uint8Array(16);
  if (xor) {
    mask.set([0x21, 0x12, 0xa4, 0x42]);
    mask.set(m.transactionId, 4);
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((v[4 + i] ^ mask[i]) << 8) | (v[5 + i] ^ mask[i + 1])).toString(16));
  return { family: 'IPv6', address: groups.join(':'), port };
}

/** CHANGE-REQUEST's flags (CHANGE_IP | CHANGE_PORT), 0 when absent. */
export function readChangeRequest(m: StunMessage): number {
  const v = stunAttribute(m, StunAttr.CHANGE_REQUEST);
  if (v === undefined) return 0;
  if (v.length !== 4) throw new WireError(`stun: CHANGE-REQUEST has ${v.length} bytes, not 4`);
  return u32(v, 0) & (CHANGE_IP | CHANGE_PORT);
}

/** RESPONSE-PORT (RFC 5780 §7.5: a port, then 2 bytes of padding; 2 bytes accepted too), undefined when absent. */
export function readResponsePort(m: StunMessage): number | undefined {
  const v = stunAttribute(m, StunAttr.RESPONSE_PORT);
  if (v === undefined) return undefined;
  if (v.length !== 2 && v.length !== 4) throw new WireError(`stun: RESPONSE-PORT has ${v.length} bytes, not 4`);
  const port = u16(v, 0);
  if (port === 0) throw new WireError('stun: RESPONSE-PORT is 0');
  return port;
}

/** ERROR-CODE as a number (e.g. 420) and its reason, undefined when absent. */
export function readErrorCode(m: StunMessage): { code: number; reason: string } | undefined {
  const v = stunAttribute(m, StunAttr.ERROR_CODE);
  if (v === undefined) return undefined;
  if (v.length < 4) throw new WireError(`stun: ERROR-CODE has ${v.length} bytes, fewer than 4`);
  const cls = v[2] & 7;
  const num = v[3];
  if (cls < 3 || cls > 6 || num > 99) throw new WireError(`stun: ERROR-CODE class ${cls} number ${num} is not a code 300-699`);
  return { code: cls * 100 + num, reason: Buffer.from(v.subarray(4)).toString('utf8') };
}

/** UNKNOWN-ATTRIBUTES: the types listed. */
export function readUnknownAttributes(m: StunMessage): number[] | undefined {
  const v = stunAttribute(m, StunAttr.UNKNOWN_ATTRIBUTES);
  if (v === undefined) return undefined;
  if (v.length % 2 !== 0) throw new WireError(`stun: UNKNOWN-ATTRIBUTES has ${v.length} bytes, an odd number`);
  const out: number[] = [];
  for (let i = 0; i < v.length; i += 2) out.push(u16(v, i));
  return out;
}

// ---- Encoding (vnet's own messages: arguments are trusted) ----

/** A MAPPED-ADDRESS-shaped value: RESPONSE-ORIGIN, OTHER-ADDRESS, MAPPED-ADDRESS. */
export function addressValue(ip: Ipv4, port: number): Uint8Array {
  const v = new Uint8Array(8);
  v[1] = 1;
  v[2] = port >>> 8;
  v[3] = port & 0xff;
  v[4] = ip >>> 24;
  v[5] = (ip >>> 16) & 0xff;
  v[6] = (ip >>> 8) & 0xff;
  v[7] = ip & 0xff;
  return v;
}

/** XOR-MAPPED-ADDRESS's value for an IPv4 address. */
export function xorAddressValue(ip: Ipv4, port: number): Uint8Array {
  return addressValue((ip ^ STUN_MAGIC_COOKIE) >>> 0, port ^ (STUN_MAGIC_COOKIE >>> 16));
}

export function changeRequestValue(flags: number): Uint8Array {
  return Uint8Array.of(0, 0, 0, flags & (CHANGE_IP | CHANGE_PORT));
}

/** RESPONSE-PORT: the port and 2 bytes of padding (RFC 5780 §7.5). */
export function responsePortValue(port: number): Uint8Array {
  return Uint8Array.of(port >>> 8, port & 0xff, 0, 0);
}

export function errorCodeValue(code: number, reason: string): Uint8Array {
  const text = Buffer.from(reason, 'utf8');
  const v = new Uint8Array(4 + text.length);
  v[2] = Math.floor(code / 100);
  v[3] = code % 100;
  v.set(text, 4);
  return v;
}

export function unknownAttributesValue(types: readonly number[]): Uint8Array {
  const v = new Uint8Array(types.length * 2);
  types.forEach((t, i) => {
    v[2 * i] = t >>> 8;
    v[2 * i + 1] = t & 0xff;
  });
  return v;
}

export function textValue(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/** A message's bytes: header, attributes padded with zeros, and FINGERPRINT last when asked. */
export function encodeStun(m: { method: number; cls: StunClass; transactionId: Uint8Array; attributes: readonly StunAttribute[] }, fingerprint = false): Buffer {
  let len = 0;
  for (const a of m.attributes) len += 4 + ((a.value.length + 3) & ~3);
  if (fingerprint) len += 8;
  const b = Buffer.alloc(STUN_HEADER_LENGTH + len);
  b.writeUInt16BE(stunType(m.method, m.cls), STUN_OFF_TYPE);
  b.writeUInt16BE(len, STUN_OFF_LENGTH);
  b.writeUInt32BE(STUN_MAGIC_COOKIE, STUN_OFF_COOKIE);
  b.set(m.transactionId.subarray(0, 12), STUN_OFF_TRANSACTION);
  let o = STUN_HEADER_LENGTH;
  for (const a of m.attributes) {
    b.writeUInt16BE(a.type, o);
    b.writeUInt16BE(a.value.length, o + 2);
    b.set(a.value, o + 4);
    o += 4 + ((a.value.length + 3) & ~3);
  }
  if (fingerprint) {
    b.writeUInt16BE(StunAttr.FINGERPRINT, o);
    b.writeUInt16BE(4, o + 2);
    b.writeUInt32BE((crc32(b, 0, o) ^ STUN_FINGERPRINT_XOR) >>> 0, o + 4);
  }
  return b;
}

/**
 * Writes one message at a time into a buffer it keeps (a server's answers: no allocation per
 * message). What finish() returns is valid until the next begin(); send it (sockets copy) or copy it.
 */
export class StunWriter {
  private buf: Buffer;
  private o = 0;

  constructor(capacity = 2048) {
    this.buf = Buffer.alloc(capacity);
  }

  begin(method: number, cls: StunClass, transactionId: Uint8Array): this {
    const b = this.buf;
    b.writeUInt16BE(stunType(method, cls), STUN_OFF_TYPE);
    b.writeUInt32BE(STUN_MAGIC_COOKIE, STUN_OFF_COOKIE);
    b.set(transactionId.subarray(0, 12), STUN_OFF_TRANSACTION);
    this.o = STUN_HEADER_LENGTH;
    return this;
  }

  /** An attribute of `length` bytes whose value the caller writes at the offset returned; zero padding added. */
  private attr(type: number, length: number): number {
    const padded = (length + 3) & ~3;
    if (this.o + 4 + padded + 8 > this.buf.length) {
      const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.o + 4 + padded + 8));
      bigger.set(this.buf.subarray(0, this.o));
      this.buf = bigger;
    }
    const b = this.buf;
    b.writeUInt16BE(type, this.o);
    b.writeUInt16BE(length, this.o + 2);
    const at = this.o + 4;
    b.fill(0, at + length, at + padded);
    this.o = at + padded;
    return at;
  }

  /** An IPv4 address attribute; `xor` for XOR-MAPPED-ADDRESS. */
  address(type: number, ip: Ipv4, port: number, xor = false): this {
    const at = this.attr(type, 8);
    const b = this.buf;
    b[at] = 0;
    b[at + 1] = 1;
    b.writeUInt16BE(xor ? port ^ (STUN_MAGIC_COOKIE >>> 16) : port, at + 2);
    b.writeUInt32BE(xor ? (ip ^ STUN_MAGIC_COOKIE) >>> 0 : ip >>> 0, at + 4);
    return this;
  }

  bytes(type: number, value: Uint8Array): this {
    this.buf.set(value, this.attr(type, value.length));
    return this;
  }

  zeros(type: number, length: number): this {
    const at = this.attr(type, length);
    this.buf.fill(0, at, at + length);
    return this;
  }

  /** The message so far with its length set, FINGERPRINT appended when asked. */
  finish(fingerprint = false): Uint8Array {
    const b = this.buf;
    if (fingerprint) {
      b.writeUInt16BE(this.o + 8 - STUN_HEADER_LENGTH, STUN_OFF_LENGTH);
      b.writeUInt16BE(StunAttr.FINGERPRINT, this.o);
      b.writeUInt16BE(4, this.o + 2);
      b.writeUInt32BE((crc32(b, 0, this.o) ^ STUN_FINGERPRINT_XOR) >>> 0, this.o + 4);
      this.o += 8;
    } else {
      b.writeUInt16BE(this.o - STUN_HEADER_LENGTH, STUN_OFF_LENGTH);
    }
    return b.subarray(0, this.o);
  }
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, reflected 0xEDB88320, as zlib) of b[start, end). */
export function crc32(b: Uint8Array, start = 0, end = b.length): number {
  let t = crcTable;
  if (t === null) {
    t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c >>> 0;
    }
    crcTable = t;
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = t[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
