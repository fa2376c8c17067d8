// NAT-PMP (RFC 6886) messages: parse and marshal every request and response, the result codes, and
// a cheap first-bytes test for telling NAT-PMP apart from other traffic on a shared socket.
import type { Ipv4 } from './addr.js';
import { get16, get32, put16, put32 } from './bytes.js';
import { WireError } from './errors.js';

/*
 * Every message starts with a version (0) and an opcode; responses set the opcode's top bit and carry
 * a result code and the seconds since the gateway's epoch (SSSoE):
 *
 *   external address request (2 bytes):   vers | op=0
 *   map request (12 bytes):                vers | op=1 UDP, 2 TCP | reserved(2) | internal port(2) |
 *                                          suggested external port(2) | requested lifetime(4)
 *   external address response (12 bytes): vers | op=128 | result(2) | SSSoE(4) | external IPv4(4)
 *   map response (16 bytes):               vers | op=129/130 | result(2) | SSSoE(4) | internal port(2) |
 *                                          mapped external port(2) | lifetime(4)
 *   error response (8 bytes, §3.5):        vers | op=128+req | result(2) | SSSoE(4)
 */
export const NATPMP_VERSION = 0;
/** The gateway's port; clients listen for announcements on 224.0.0.1:5350. */
export const NATPMP_PORT = 5351;
export const NATPMP_ANNOUNCE_PORT = 5350;
export const NATPMP_ANNOUNCE_GROUP = '224.0.0.1';

export const NATPMP_OP_EXTERNAL_ADDRESS = 0;
export const NATPMP_OP_MAP_UDP = 1;
export const NATPMP_OP_MAP_TCP = 2;
/** A response's opcode is the request's plus this. */
export const NATPMP_RESPONSE_BIT = 0x80;

/** RFC 6886 §3.5 result codes. */
export const NatPmpResult = {
  Success: 0,
  UnsupportedVersion: 1,
  /** Refused: not authorized, the feature is off, or a manual mapping cannot be deleted. */
  NotAuthorized: 2,
  /** The gateway has no external address (e.g. no DHCP lease yet). */
  NetworkFailure: 3,
  /** No port or table slot left. */
  OutOfResources: 4,
  UnsupportedOpcode: 5,
} as const;

const RESULT_NAMES = ['success', 'unsupported version', 'not authorized', 'network failure', 'out of resources', 'unsupported opcode'];

/** A result code's name as RFC 6886 says it ("result 9" for codes it does not define). */
export function natPmpResultName(code: number): string {
  return RESULT_NAMES[code] ?? `result ${code}`;
}

export type NatPmpProtocol = 'udp' | 'tcp';

export interface ExternalAddressRequest {
  type: 'external-address-request';
}

export interface MapRequest {
  type: 'map-request';
  protocol: NatPmpProtocol;
  internalPort: number;
  /** 0: any port the gateway picks. */
  suggestedExternalPort: number;
  /** Seconds; 0 deletes the mapping (and with internal port 0 every mapping of the client for that protocol). */
  lifetime: number;
}

export interface ExternalAddressResponse {
  type: 'external-address-response';
  result: number;
  /** Seconds since the start of the gateway's epoch. */
  epoch: number;
  externalAddress: Ipv4;
}

export interface MapResponse {
  type: 'map-response';
  protocol: NatPmpProtocol;
  result: number;
  epoch: number;
  internalPort: number;
  externalPort: number;
  lifetime: number;
}

/**
 * The short response (8 bytes) a gateway sends for an unsupported version, or any response shorter
 * than its opcode's full form. `op` is the response opcode (128 + the request's).
 */
export interface ErrorResponse {
  type: 'error-response';
  op: number;
  result: number;
  epoch: number;
}

export type NatPmpRequest = ExternalAddressRequest | MapRequest;
export type NatPmpResponse = ExternalAddressResponse | MapResponse | ErrorResponse;
export type NatPmpMessage = NatPmpRequest | NatPmpResponse;

const EXTERNAL_REQUEST_LENGTH = 2;
const MAP_REQUEST_LENGTH = 12;
const ERROR_RESPONSE_LENGTH = 8;
const EXTERNAL_RESPONSE_LENGTH = 12;
const MAP_RESPONSE_LENGTH = 16;

/**
 * True when the bytes look like a NAT-PMP message: version 0 and an opcode whose exact length fits
 * (requests 0/2 bytes, 1-2/12 bytes; responses 128-130 of 8, 12 or 16 bytes). Reads three things and
 * allocates nothing: run it first on every datagram of a socket shared with other protocols.
 */
export function probablyNatPmp(b: Uint8Array): boolean {
  const n = b.length;
  if (n < 2 || b[0] !== NATPMP_VERSION) return false;
  const op = b[1];
  if (op === NATPMP_OP_EXTERNAL_ADDRESS) return n === EXTERNAL_REQUEST_LENGTH;
  if (op === NATPMP_OP_MAP_UDP || op === NATPMP_OP_MAP_TCP) return n === MAP_REQUEST_LENGTH;
  if (op === 0x80) return n === EXTERNAL_RESPONSE_LENGTH || n === ERROR_RESPONSE_LENGTH;
  if (op === 0x81 || op === 0x82) return n === MAP_RESPONSE_LENGTH || n === ERROR_RESPONSE_LENGTH;
  return false;
}

/**
 * Parses a NAT-PMP message. Throws WireError when it is not one: another version, an opcode RFC 6886
 * does not define, or fewer bytes than its opcode needs (extra bytes after the message are ignored,
 * as miniupnpd does). A response with a non-zero result may be the 8-byte short form.
 */
export function parseNatPmp(b: Uint8Array): NatPmpMessage {
  if (b.length < 2) throw new WireError(`nat-pmp: truncated (${b.length} < 2 bytes)`);
  if (b[0] !== NATPMP_VERSION) throw new WireError(`nat-pmp: version ${b[0]} is not 0`);
  const op = b[1];
  const need = (n: number, what: string): void => {
    if (b.length < n) throw new WireError(`nat-pmp: ${what} truncated (${b.length} < ${n} bytes)`);
  };
  switch (op) {
    case NATPMP_OP_EXTERNAL_ADDRESS:
      return { type: 'external-address-request' };
    case NATPMP_OP_MAP_UDP:
    case NATPMP_OP_MAP_TCP:
      need(MAP_REQUEST_LENGTH, 'map request');
      return {
        type: 'map-request', protocol: op === NATPMP_OP_MAP_UDP ? 'udp' : 'tcp',
        internalPort: get16(b, 4), suggestedExternalPort: get16(b, 6), lifetime: get32(b, 8),
      };
    case 0x80:
    case 0x81:
    case 0x82: {
      need(ERROR_RESPONSE_LENGTH, 'response');
      const result = get16(b, 2);
      const epoch = get32(b, 4);
      const full = op === 0x80 ? EXTERNAL_RESPONSE_LENGTH : MAP_RESPONSE_LENGTH;
      if (b.length < full) {
        if (result === NatPmpResult.Success) throw new WireError(`nat-pmp: successful response truncated (${b.length} < ${full} bytes)`);
        return { type: 'error-response', op, result, epoch };
      }
      if (op === 0x80) return { type: 'external-address-response', result, epoch, externalAddress: get32(b, 8) };
      return {
        type: 'map-response', protocol: op === 0x81 ? 'udp' : 'tcp', result, epoch,
        internalPort: get16(b, 8), externalPort: get16(b, 10), lifetime: get32(b, 12),
      };
    }
    default:
      if (op >= NATPMP_RESPONSE_BIT) {
        // A response to an opcode we do not know: only the short form can be read.
        need(4, 'response');
        return { type: 'error-response', op, result: get16(b, 2), epoch: b.length >= ERROR_RESPONSE_LENGTH ? get32(b, 4) : 0 };
      }
      throw new WireError(`nat-pmp: opcode ${op} is not a request RFC 6886 defines (0 external address, 1 map UDP, 2 map TCP)`);
  }
}

/** The bytes of a NAT-PMP message; throws WireError for a field out of its range. */
export function marshalNatPmp(m: NatPmpMessage): Uint8Array {
  switch (m.type) {
    case 'external-address-request':
      return Uint8Array.of(NATPMP_VERSION, NATPMP_OP_EXTERNAL_ADDRESS);
    case 'map-request': {
      const b = new Uint8Array(MAP_REQUEST_LENGTH);
      b[1] = opOf(m.protocol);
      put16(b, 4, u16(m.internalPort, 'internal port'));
      put16(b, 6, u16(m.suggestedExternalPort, 'suggested external port'));
      put32(b, 8, u32(m.lifetime, 'lifetime'));
      return b;
    }
    case 'external-address-response': {
      const b = responseHeader(EXTERNAL_RESPONSE_LENGTH, 0x80, m.result, m.epoch);
      put32(b, 8, u32(m.externalAddress, 'external address'));
      return b;
    }
    case 'map-response': {
      const b = responseHeader(MAP_RESPONSE_LENGTH, NATPMP_RESPONSE_BIT | opOf(m.protocol), m.result, m.epoch);
      put16(b, 8, u16(m.internalPort, 'internal port'));
      put16(b, 10, u16(m.externalPort, 'external port'));
      put32(b, 12, u32(m.lifetime, 'lifetime'));
      return b;
    }
    case 'error-response': {
      if (!Number.isInteger(m.op) || m.op < NATPMP_RESPONSE_BIT || m.op > 255) throw new WireError(`nat-pmp: response opcode ${m.op} is not 128-255`);
      return responseHeader(ERROR_RESPONSE_LENGTH, m.op, m.result, m.epoch);
    }
    default:
      throw new WireError(`nat-pmp: unknown message type ${JSON.stringify((m as { type: unknown }).type)}`);
  }
}

/**
 * RFC 6886 §3.5's answer to a request with an opcode the gateway does not support: the whole request
 * back, with the opcode's top bit set and result 5 (at least the 4 bytes that hold them).
 */
export function unsupportedOpcodeReply(request: Uint8Array): Uint8Array {
  if (request.length < 2) throw new WireError(`nat-pmp: truncated (${request.length} < 2 bytes)`);
  const b = new Uint8Array(Math.max(4, request.length));
  b.set(request);
  b[1] |= NATPMP_RESPONSE_BIT;
  put16(b, 2, NatPmpResult.UnsupportedOpcode);
  return b;
}

/** The message as one line, e.g. `NAT-PMP map UDP 5000 → 0 lifetime 7200`. */
export function describeNatPmp(m: NatPmpMessage): string {
  switch (m.type) {
    case 'external-address-request': return 'NAT-PMP external address request';
    case 'map-request': return `NAT-PMP map ${m.protocol.toUpperCase()} ${m.internalPort} → ${m.suggestedExternalPort} lifetime ${m.lifetime}`;
    case 'external-address-response': return `NAT-PMP external address ${formatAddress(m.externalAddress)} (${natPmpResultName(m.result)}, epoch ${m.epoch})`;
    case 'map-response': return `NAT-PMP mapped ${m.protocol.toUpperCase()} ${m.internalPort} → ${m.externalPort} lifetime ${m.lifetime} (${natPmpResultName(m.result)}, epoch ${m.epoch})`;
    case 'error-response': return `NAT-PMP response op ${m.op}: ${natPmpResultName(m.result)} (epoch ${m.epoch})`;
  }
}

function formatAddress(ip: Ipv4): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

function opOf(p: NatPmpProtocol): number {
  if (p === 'udp') return NATPMP_OP_MAP_UDP;
  if (p === 'tcp') return NATPMP_OP_MAP_TCP;
  throw new WireError(`nat-pmp: protocol ${JSON.stringify(p)} is not udp or tcp`);
}

function responseHeader(length: number, op: number, result: number, epoch: number): Uint8Array {
  const b = new Uint8Array(length);
  b[1] = op;
  put16(b, 2, u16(result, 'result code'));
  put32(b, 4, u32(epoch, 'epoch'));
  return b;
}

function u16(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new WireError(`nat-pmp: ${what} ${v} is not 0-65535`);
  return v;
}

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new WireError(`nat-pmp: ${what} ${v} is not 0-4294967295`);
  return v;
}
