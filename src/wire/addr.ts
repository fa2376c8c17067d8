// IPv4 addresses as unsigned 32-bit numbers, and CIDR prefixes.
import { WireError } from './errors.js';
import { quoteInput } from './user-input.js';

export type Ipv4 = number;

/**
 * Parses dotted-quad text to a uint32; throws WireError on anything else, including leading zeros
 * ("010" reads as octal to some tools and decimal to others) and surrounding whitespace.
 */
export function parseIpv4(text: string): Ipv4 {
  const v = scanIpv4(text);
  if (v >= 0) return v;
  const parts = text.split('.');
  if (parts.length !== 4) throw new WireError(`${quoteInput(text)} is not an IPv4 address (want four numbers a.b.c.d)`);
  const bad = parts.find((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255);
  if (bad !== undefined) throw new WireError(`${quoteInput(text)} is not an IPv4 address (part ${quoteInput(bad)} is not 0-255)`);
  const zero = parts.find((p) => p.length > 1 && p.startsWith('0')) ?? '';
  throw new WireError(`${quoteInput(text)} is not an IPv4 address (part ${quoteInput(zero)} has a leading zero; write ${Number(zero)})`);
}

/**
 * The address as a uint32, or -1 when the text is not exactly a.b.c.d with parts 0-255 (at most 3 digits
 * each, no leading zeros).
 */
function scanIpv4(text: string): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return -1; // a leading zero
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

export function isIpv4(text: string): boolean {
  return scanIpv4(text) >= 0;
}

export function formatIpv4(ip: Ipv4): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

export class Cidr {
  /** Network address (host bits zero). */
  readonly network: Ipv4;
  readonly prefix: number;
  readonly mask: number;

  constructor(network: Ipv4, prefix: number) {
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new WireError(`prefix length ${prefix} is not 0-32`);
    this.prefix = prefix;
    this.mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    this.network = (network & this.mask) >>> 0;
  }

  /** Parses "a.b.c.d/n" exactly (no whitespace, no leading zeros). Host bits must be zero unless `loose` (then they are cleared). */
  static parse(text: string, loose = false): Cidr {
    const m = /^([^/]+)\/(0|[1-9]\d?)$/.exec(text);
    if (!m) throw new WireError(`${quoteInput(text)} is not a CIDR prefix (want a.b.c.d/n, e.g. 192.168.1.0/24)`);
    const ip = parseIpv4(m[1]);
    const c = new Cidr(ip, Number(m[2]));
    if (!loose && c.network !== ip) {
      throw new WireError(`${quoteInput(text)} has host bits set; the prefix is ${c.toString()}`);
    }
    return c;
  }

  get size(): number {
    return 2 ** (32 - this.prefix);
  }

  /** Last address of the prefix (the broadcast address for prefixes shorter than /31). */
  get last(): Ipv4 {
    return (this.network + this.size - 1) >>> 0;
  }

  contains(ip: Ipv4): boolean {
    return ((ip & this.mask) >>> 0) === this.network;
  }

  /** True when the two prefixes share any address. */
  overlaps(o: Cidr): boolean {
    return this.contains(o.network) || o.contains(this.network);
  }

  /** First and last address usable by hosts: /31 and /32 use every address (RFC 3021). */
  get firstUsable(): Ipv4 {
    return this.prefix >= 31 ? this.network : this.network + 1;
  }

  get lastUsable(): Ipv4 {
    return this.prefix >= 31 ? this.last : this.last - 1;
  }

  toString(): string {
    return `${formatIpv4(this.network)}/${this.prefix}`;
  }
}

/** Address ranges that are never handed out automatically on a public (root) prefix. */
export const SPECIAL_PURPOSE: readonly Cidr[] = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.168.0.0/16', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4',
].map((t) => Cidr.parse(t));

export function isMulticast(ip: Ipv4): boolean {
  return ip >>> 28 === 0xe;
}

/** 127.0.0.0/8. */
export function isLoopback(ip: Ipv4): boolean {
  return ip >>> 24 === 127;
}
