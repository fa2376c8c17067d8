// PCP (RFC 6887) messages: the common request and response headers, the MAP, PEER and ANNOUNCE
// opcodes, the THIRD_PARTY, PREFER_FAILURE and FILTER options, result codes, and a first-bytes test.
import type { Ipv4 } from './addr.js';
import { get16, get32, put16, put32 } from './bytes.js';
import { WireError } from './errors.js';

/*
 * Request header (24 bytes, §7.1):        Response header (24 bytes, §7.2):
 *   0  version = 2                           0  version = 2
 *   1  R=0 | opcode (7 bits)                 1  R=1 | opcode
 *   2  reserved (16 bits)                    2  reserved (8 bits)
 *   4  requested lifetime (32)               3  result code
 *   8  PCP client's IP address (128)         4  lifetime (32)
 *                                            8  epoch time (32)
 *                                           12  reserved (96)
 * then opcode-specific data, then options: code(8) | reserved(8) | length(16) | data padded to 4.
 *
 * MAP (36 bytes, §11.1): nonce(96) | protocol(8) | reserved(24) | internal port(16) |
 *   suggested/assigned external port(16) | suggested/assigned external address(128)
 * PEER (56 bytes, §12.1): the MAP fields | remote peer port(16) | reserved(16) | remote peer address(128)
 * Addresses are 16 bytes; IPv4 as ::ffff:a.b.c.d.
 */
export const PCP_VERSION = 2;
export const PCP_PORT = 5351;
export const PCP_HEADER_LENGTH = 24;
export const PCP_MAX_LENGTH = 1100;
export const PCP_RESPONSE_BIT = 0x80;

export const PCP_OP_ANNOUNCE = 0;
export const PCP_OP_MAP = 1;
export const PCP_OP_PEER = 2;

export const PCP_OPTION_THIRD_PARTY = 1;
export const PCP_OPTION_PREFER_FAILURE = 2;
export const PCP_OPTION_FILTER = 3;

const MAP_LENGTH = 36;
const PEER_LENGTH = 56;
const NONCE_LENGTH = 12;

/** RFC 6887 §7.4 result codes. */
export const PcpResult = {
  Success: 0,
  UnsuppVersion: 1,
  NotAuthorized: 2,
  MalformedRequest: 3,
  UnsuppOpcode: 4,
  UnsuppOption: 5,
  MalformedOption: 6,
  NetworkFailure: 7,
  NoResources: 8,
  UnsuppProtocol: 9,
  UserExQuota: 10,
  CannotProvideExternal: 11,
  AddressMismatch: 12,
  ExcessiveRemotePeers: 13,
} as const;

const RESULT_NAMES = [
  'SUCCESS', 'UNSUPP_VERSION', 'NOT_AUTHORIZED', 'MALFORMED_REQUEST', 'UNSUPP_OPCODE', 'UNSUPP_OPTION', 'MALFORMED_OPTION',
  'NETWORK_FAILURE', 'NO_RESOURCES', 'UNSUPP_PROTOCOL', 'USER_EX_QUOTA', 'CANNOT_PROVIDE_EXTERNAL', 'ADDRESS_MISMATCH', 'EXCESSIVE_REMOTE_PEERS',
];

/** A result code's RFC 6887 name (`RESULT_20` for codes it does not define). */
export function pcpResultName(code: number): string {
  return RESULT_NAMES[code] ?? `RESULT_${code}`;
}

/** Short-lived errors (§7.4): the condition may clear soon, so the error's lifetime is short. */
export function pcpShortLivedError(code: number): boolean {
  return code === PcpResult.NetworkFailure || code === PcpResult.NoResources || code === PcpResult.UserExQuota;
}

/** A 16-byte PCP address field (IPv4 as ::ffff:a.b.c.d). */
export type PcpAddress = Uint8Array;

export interface PcpMapData {
  /** 12 random bytes the client chose; a renewal or delete must repeat them. */
  nonce: Uint8Array;
  /** IANA protocol number: 17 UDP, 6 TCP, 0 all (then the internal port is 0). */
  protocol: number;
  internalPort: number;
  /** Request: suggested (0: any); response: assigned. */
  externalPort: number;
  /** Request: suggested (::ffff:0.0.0.0 or ::: any); response: assigned. */
  externalAddress: PcpAddress;
}

export interface PcpPeerData extends PcpMapData {
  remotePort: number;
  remoteAddress: PcpAddress;
}

export type PcpOption =
  | { type: 'third-party'; address: PcpAddress }
  | { type: 'prefer-failure' }
  | { type: 'filter'; prefixLength: number; remotePort: number; remoteAddress: PcpAddress }
  | { type: 'unknown'; code: number; data: Uint8Array };

interface PcpCommon {
  version: number;
  opcode: number;
  lifetime: number;
  /** MAP (opcode 1). */
  map?: PcpMapData;
  /** PEER (opcode 2). */
  peer?: PcpPeerData;
  /** Any other opcode: everything after the header, unparsed (no options read). */
  data?: Uint8Array;
  options: PcpOption[];
}

export interface PcpRequest extends PcpCommon {
  type: 'pcp-request';
  clientAddress: PcpAddress;
}

export interface PcpResponse extends PcpCommon {
  type: 'pcp-response';
  result: number;
  epoch: number;
}

export type PcpMessage = PcpRequest | PcpResponse;

/** ::ffff:a.b.c.d for an IPv4 address. */
export function ipv4Mapped(ip: Ipv4): PcpAddress {
  const a = new Uint8Array(16);
  a[10] = 0xff;
  a[11] = 0xff;
  put32(a, 12, ip >>> 0);
  return a;
}

/** The IPv4 address of ::ffff:a.b.c.d, or undefined for any other 16 bytes. */
export function mappedIpv4(a: PcpAddress): Ipv4 | undefined {
  if (a.length !== 16) return undefined;
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return undefined;
  if (a[10] !== 0xff || a[11] !== 0xff) return undefined;
  return get32(a, 12);
}

/** True for the "no preference" addresses a client suggests: :: and ::ffff:0.0.0.0. */
export function isUnspecified(a: PcpAddress): boolean {
  return a.every((x) => x === 0) || mappedIpv4(a) === 0;
}

/** The address as text: a.b.c.d for IPv4-mapped ones, else eight hex groups. */
export function formatPcpAddress(a: PcpAddress): string {
  const v4 = mappedIpv4(a);
  if (v4 !== undefined) return `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(get16(a, i).toString(16));
  return groups.join(':');
}

/**
 * True when the bytes look like a PCP message: version 2, opcode ANNOUNCE, MAP or PEER (either
 * direction), a length from 24 to 1100 that is a multiple of 4. Reads three things, allocates nothing.
 */
export function probablyPcp(b: Uint8Array): boolean {
  const n = b.length;
  return n >= PCP_HEADER_LENGTH && n <= PCP_MAX_LENGTH && (n & 3) === 0 && b[0] === PCP_VERSION && (b[1] & 0x7f) <= PCP_OP_PEER;
}

/**
 * Parses a PCP message. Throws WireError when it is not a well-formed version-2 message: shorter
 * than 24 or longer than 1100 bytes, not a multiple of 4, a MAP or PEER payload cut short, or an
 * option that runs past the end or has the wrong length for its code. Unknown options are kept.
 */
export function parsePcp(b: Uint8Array): PcpMessage {
  const n = b.length;
  if (n < PCP_HEADER_LENGTH) throw new WireError(`pcp: truncated (${n} < ${PCP_HEADER_LENGTH} bytes)`);
  if (n > PCP_MAX_LENGTH) throw new WireError(`pcp: ${n} bytes is over the ${PCP_MAX_LENGTH}-byte maximum`);
  if ((n & 3) !== 0) throw new WireError(`pcp: length ${n} is not a multiple of 4`);
  if (b[0] !== PCP_VERSION) throw new WireError(`pcp: version ${b[0]} is not ${PCP_VERSION}`);
  const response = (b[1] & PCP_RESPONSE_BIT) !== 0;
  const opcode = b[1] & 0x7f;
  const lifetime = get32(b, 4);
  const common: PcpCommon = { version: b[0], opcode, lifetime, options: [] };
  let off = PCP_HEADER_LENGTH;
  // An error response may be the header alone (UNSUPP_VERSION: the server could not read the request).
  const headerOnly = response && b[3] !== 0 && n === PCP_HEADER_LENGTH;
  if ((opcode === PCP_OP_MAP || opcode === PCP_OP_PEER) && !headerOnly) {
    const len = opcode === PCP_OP_MAP ? MAP_LENGTH : PEER_LENGTH;
    if (n < off + len) throw new WireError(`pcp: ${opcode === PCP_OP_MAP ? 'MAP' : 'PEER'} payload truncated (${n - off} < ${len} bytes)`);
    const map: PcpMapData = {
      nonce: copyOf(b, off, off + NONCE_LENGTH), protocol: b[off + 12],
      internalPort: get16(b, off + 16), externalPort: get16(b, off + 18), externalAddress: copyOf(b, off + 20, off + 36),
    };
    if (opcode === PCP_OP_MAP) common.map = map;
    else common.peer = { ...map, remotePort: get16(b, off + 36), remoteAddress: copyOf(b, off + 40, off + 56) };
    off += len;
    common.options = parseOptions(b, off);
  } else if (opcode === PCP_OP_ANNOUNCE) {
    common.options = parseOptions(b, off);
  } else if (!headerOnly) {
    common.data = copyOf(b, off);
  }
  if (response) return { type: 'pcp-response', ...common, result: b[3], epoch: get32(b, 8) };
  return { type: 'pcp-request', ...common, clientAddress: copyOf(b, 8, 24) };
}

function parseOptions(b: Uint8Array, off: number): PcpOption[] {
  const out: PcpOption[] = [];
  while (off < b.length) {
    if (b.length - off < 4) throw new WireError(`pcp: option header at byte ${off} truncated (${b.length - off} < 4 bytes)`);
    const code = b[off];
    const len = get16(b, off + 2);
    const padded = (len + 3) & ~3;
    const start = off + 4;
    if (start + padded > b.length) throw new WireError(`pcp: option ${code} at byte ${off} needs ${padded} bytes, ${b.length - start} left`);
    const want = code === PCP_OPTION_THIRD_PARTY ? 16 : code === PCP_OPTION_PREFER_FAILURE ? 0 : code === PCP_OPTION_FILTER ? 20 : -1;
    if (want >= 0 && len !== want) throw new WireError(`pcp: option ${code} has length ${len}, want ${want}`);
    if (code === PCP_OPTION_THIRD_PARTY) out.push({ type: 'third-party', address: copyOf(b, start, start + 16) });
    else if (code === PCP_OPTION_PREFER_FAILURE) out.push({ type: 'prefer-failure' });
    else if (code === PCP_OPTION_FILTER) {
      out.push({ type: 'filter', prefixLength: b[start + 1], remotePort: get16(b, start + 2), remoteAddress: copyOf(b, start + 4, start + 20) });
    } else out.push({ type: 'unknown', code, data: copyOf(b, start, start + len) });
    off = start + padded;
  }
  return out;
}

/**
 * A response of the common header alone (24 bytes), for any opcode: what a server sends when it cannot
 * read the rest, e.g. UNSUPP_VERSION (§9) for a request of a version it does not speak.
 */
export function pcpHeaderResponse(opcode: number, result: number, lifetime: number, epoch: number): Uint8Array {
  const b = new Uint8Array(PCP_HEADER_LENGTH);
  b[0] = PCP_VERSION;
  b[1] = PCP_RESPONSE_BIT | int(opcode, 0, 127, 'opcode');
  b[3] = int(result, 0, 255, 'result code');
  put32(b, 4, int(lifetime, 0, 0xffffffff, 'lifetime'));
  put32(b, 8, int(epoch, 0, 0xffffffff, 'epoch'));
  return b;
}

/** The bytes of a PCP message; throws WireError for a field out of range or a message over 1100 bytes. */
export function marshalPcp(m: PcpMessage): Uint8Array {
  if (m.type !== 'pcp-request' && m.type !== 'pcp-response') throw new WireError(`pcp: unknown message type ${JSON.stringify((m as { type: unknown }).type)}`);
  const opcode = int(m.opcode, 0, 127, 'opcode');
  let payload = 0;
  const headerOnly = m.type === 'pcp-response' && m.result !== 0 && (opcode === PCP_OP_MAP ? m.map : m.peer) === undefined;
  if ((opcode === PCP_OP_MAP || opcode === PCP_OP_PEER) && !headerOnly) {
    const data = opcode === PCP_OP_MAP ? m.map : m.peer;
    if (data === undefined) throw new WireError(`pcp: opcode ${opcode} needs its ${opcode === PCP_OP_MAP ? 'map' : 'peer'} fields`);
    payload = opcode === PCP_OP_MAP ? MAP_LENGTH : PEER_LENGTH;
  } else if (opcode !== PCP_OP_ANNOUNCE) {
    payload = m.data?.length ?? 0;
  }
  const options = !headerOnly && (opcode === PCP_OP_ANNOUNCE || opcode === PCP_OP_MAP || opcode === PCP_OP_PEER) ? m.options : [];
  let total = PCP_HEADER_LENGTH + payload;
  for (const o of options) total += 4 + ((optionLength(o) + 3) & ~3);
  if (total > PCP_MAX_LENGTH) throw new WireError(`pcp: message of ${total} bytes is over the ${PCP_MAX_LENGTH}-byte maximum`);
  if ((total & 3) !== 0) throw new WireError(`pcp: message of ${total} bytes is not a multiple of 4 (opcode data of ${payload} bytes)`);
  const b = new Uint8Array(total);
  b[0] = int(m.version, 0, 255, 'version');
  b[1] = opcode | (m.type === 'pcp-response' ? PCP_RESPONSE_BIT : 0);
  put32(b, 4, int(m.lifetime, 0, 0xffffffff, 'lifetime'));
  if (m.type === 'pcp-response') {
    b[3] = int(m.result, 0, 255, 'result code');
    put32(b, 8, int(m.epoch, 0, 0xffffffff, 'epoch'));
  } else {
    b.set(address(m.clientAddress, 'client address'), 8);
  }
  let off = PCP_HEADER_LENGTH;
  if ((opcode === PCP_OP_MAP || opcode === PCP_OP_PEER) && !headerOnly) {
    const d = (opcode === PCP_OP_MAP ? m.map : m.peer)!;
    if (d.nonce.length !== NONCE_LENGTH) throw new WireError(`pcp: nonce of ${d.nonce.length} bytes, want ${NONCE_LENGTH}`);
    b.set(d.nonce, off);
    b[off + 12] = int(d.protocol, 0, 255, 'protocol');
    put16(b, off + 16, int(d.internalPort, 0, 0xffff, 'internal port'));
    put16(b, off + 18, int(d.externalPort, 0, 0xffff, 'external port'));
    b.set(address(d.externalAddress, 'external address'), off + 20);
    if (opcode === PCP_OP_PEER) {
      const p = d as PcpPeerData;
      put16(b, off + 36, int(p.remotePort, 0, 0xffff, 'remote peer port'));
      b.set(address(p.remoteAddress, 'remote peer address'), off + 40);
    }
    off += payload;
  } else if (opcode !== PCP_OP_ANNOUNCE && m.data !== undefined) {
    b.set(m.data, off);
    off += payload;
  }
  for (const o of options) {
    const len = optionLength(o);
    b[off] = o.type === 'third-party' ? PCP_OPTION_THIRD_PARTY : o.type === 'prefer-failure' ? PCP_OPTION_PREFER_FAILURE : o.type === 'filter' ? PCP_OPTION_FILTER : int(o.code, 0, 255, 'option code');
    put16(b, off + 2, len);
    const start = off + 4;
    if (o.type === 'third-party') b.set(address(o.address, 'third-party address'), start);
    else if (o.type === 'filter') {
      b[start + 1] = int(o.prefixLength, 0, 128, 'filter prefix length');
      put16(b, start + 2, int(o.remotePort, 0, 0xffff, 'filter remote port'));
      b.set(address(o.remoteAddress, 'filter remote address'), start + 4);
    } else if (o.type === 'unknown') b.set(o.data, start);
    off = start + ((len + 3) & ~3);
  }
  return b;
}

function optionLength(o: PcpOption): number {
  switch (o.type) {
    case 'third-party': return 16;
    case 'prefer-failure': return 0;
    case 'filter': return 20;
    case 'unknown':
      if (o.data.length > 0xffff) throw new WireError(`pcp: option ${o.code} data of ${o.data.length} bytes is over 65535`);
      return o.data.length;
    default: throw new WireError(`pcp: unknown option type ${JSON.stringify((o as { type: unknown }).type)}`);
  }
}

/** The message as one line, e.g. `PCP MAP request UDP 192.168.1.2:5000 lifetime 7200`. */
export function describePcp(m: PcpMessage): string {
  const op = ['ANNOUNCE', 'MAP', 'PEER'][m.opcode] ?? `opcode ${m.opcode}`;
  const d = m.map ?? m.peer;
  const what = d ? ` proto ${d.protocol} ${d.internalPort} → ${formatPcpAddress(d.externalAddress)}:${d.externalPort}` : '';
  if (m.type === 'pcp-request') return `PCP ${op} request from ${formatPcpAddress(m.clientAddress)}${what} lifetime ${m.lifetime}`;
  return `PCP ${op} response ${pcpResultName(m.result)}${what} lifetime ${m.lifetime} epoch ${m.epoch}`;
}

/** A plain Uint8Array copy (a Buffer's slice would share the datagram's memory). */
function copyOf(b: Uint8Array, start: number, end?: number): Uint8Array {
  return new Uint8Array(b.subarray(start, end));
}

function int(v: number, lo: number, hi: number, what: string): number {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new WireError(`pcp: ${what} ${v} is not ${lo}-${hi}`);
  return v;
}

function address(a: PcpAddress, what: string): PcpAddress {
  if (!(a instanceof Uint8Array) || a.length !== 16) throw new WireError(`pcp: ${what} must be 16 bytes (IPv4 as ::ffff:a.b.c.d)`);
  return a;
}
