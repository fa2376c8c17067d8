// Fixed packets for the wire tests, written out in hex from the RFC layouts; checksums cross-checked
// with a separate Python implementation and (the DNS IPv4 header) by hand arithmetic.

/** Bytes from hex text; spaces and newlines are ignored. */
export function hex(text: string): Uint8Array {
  const s = text.replace(/\s+/g, '');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Hex text of bytes, space separated (for `got X, want Y` messages). */
export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** A tiny seeded LCG (Numerical Recipes constants) so randomised tests repeat exactly. */
export class Lcg {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next uint32. */
  next(): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return this.state;
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.next() / 0x100000000) * n);
  }

  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.next() >>> 24;
    return b;
  }
}

/*
 * DNS query for example.com A (RD set), 192.168.1.2:53000 → 8.8.8.8:53, TTL 64, DF, IP id 0x5c3a.
 * IPv4 checksum by hand: 4500+0039+5c3a+4000+4011+c0a8+0102+0808+0808 = 0x1f33e → f33e+1 = f33f → ~ = 0x0cc0.
 * UDP checksum 0x7313 (pseudo-header c0a8 0102 0808 0808 0011 0025).
 */
export const DNS_QUERY = hex(`
  45 00 00 39 5c 3a 40 00 40 11 0c c0 c0 a8 01 02 08 08 08 08
  cf 08 00 35 00 25 73 13
  1c 2b 01 00 00 01 00 00 00 00 00 00 07 65 78 61 6d 70 6c 65 03 63 6f 6d 00 00 01 00 01`);

/** TCP SYN with an MSS option (1460), 10.0.0.1:40000 → 93.184.216.34:80, seq 0x12345678, win 64240, DF, id 0xabcd. */
export const TCP_SYN = hex(`
  45 00 00 2c ab cd 40 00 40 06 4f 23 0a 00 00 01 5d b8 d8 22
  9c 40 00 50 12 34 56 78 00 00 00 00 60 02 fa f0 58 1d 00 00 02 04 05 b4`);

/** ICMP echo request 10.0.0.1 → 10.0.0.2, id 0x1234, seq 1, data "abcdefgh". */
export const ECHO_REQUEST = hex(`
  45 00 00 24 00 00 00 00 40 01 66 d7 0a 00 00 01 0a 00 00 02
  08 00 54 35 12 34 00 01 61 62 63 64 65 66 67 68`);

/** ICMP port unreachable 8.8.8.8 → 192.168.1.2 (TTL 57, id 0x0101) quoting the first 28 bytes of DNS_QUERY. */
export const PORT_UNREACHABLE = hex(`
  45 00 00 38 01 01 00 00 39 01 af 0a 08 08 08 08 c0 a8 01 02
  03 03 ba 86 00 00 00 00
  45 00 00 39 5c 3a 40 00 40 11 0c c0 c0 a8 01 02 08 08 08 08 cf 08 00 35 00 25 73 13`);

/** IGMPv2 report for 224.0.0.251 with the Router Alert option (IHL 6), TOS 0xc0, TTL 1: an opaque protocol. */
export const IGMP_WITH_OPTIONS = hex(`
  46 c0 00 20 00 00 00 00 01 02 81 72 c0 a8 01 02 e0 00 00 fb 94 04 00 00
  16 00 fa 04 e0 00 00 fb`);

/** UDP 10.0.0.1:1000 → 10.0.0.2:2000, data e0 1f chosen so the computed checksum is 0, sent as 0xffff. */
export const UDP_ZERO_SUM = hex(`
  45 00 00 1e 00 01 00 00 40 11 66 cc 0a 00 00 01 0a 00 00 02
  03 e8 07 d0 00 0a ff ff e0 1f`);

/** Source port that makes DNS_QUERY's computed UDP checksum 0 (so it must be sent as 0xffff). */
export const DNS_ZERO_SUM_PORT = 16924;
