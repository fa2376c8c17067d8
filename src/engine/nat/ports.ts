// External port allocation for one (protocol, external IP): RFC 4787 §4.2 preservation, parity, ranges, no overloading.
import type { Rng } from '../rng.js';
import { SEQUENTIAL_START } from './config.js';

/** How new external ports are chosen (derived from NatConfig per protocol). */
export interface PortPolicy {
  /** Range for internal ports outside 1-1023 (or for all ports when !privilegedSplit). */
  readonly range: readonly [number, number];
  /** §4.2.1 port preservation: try x' = x first. */
  readonly preservation: boolean;
  /** REQ-4 port parity: x' has the parity of x. */
  readonly parity: boolean;
  readonly allocation: 'sequential' | 'random';
  /** REQ-3 a): internal ports 1-1023 get external ports 1-1023, preserved when free. */
  readonly privilegedSplit: boolean;
}

const PRIVILEGED_LO = 1;
const PRIVILEGED_HI = 1023;
/** Random probes before falling back to a scan from a random point. */
const RANDOM_PROBES = 8;
const EVEN = 0x55555555;
const ODD = 0xaaaaaaaa | 0;

/** Index of the lowest set bit of a non-zero int32. */
function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * REQ-3 (no port overloading): a port handed out stays taken until released, so one
 * (protocol, external IP, port) never serves two live mappings. In-use is a 65536-bit set (8 KiB).
 */
export class PortAllocator {
  private readonly used = new Int32Array(2048);
  private inUse = 0;
  /** Sequential cursors: next port to try for normal and privileged internal ports. */
  private cursor = -1;
  private privilegedCursor = PRIVILEGED_LO;

  constructor(private readonly rng: Rng) {}

  /** Ports currently taken. */
  get count(): number {
    return this.inUse;
  }

  isUsed(port: number): boolean {
    return (this.used[port >>> 5] & (1 << (port & 31))) !== 0;
  }

  /** Takes a specific port; false if it is taken (or not a port 0-65535). */
  claim(port: number): boolean {
    if (!(port >= 0 && port <= 65535) || this.isUsed(port)) return false;
    this.used[port >>> 5] |= 1 << (port & 31);
    this.inUse++;
    return true;
  }

  release(port: number): void {
    if (!this.isUsed(port)) return;
    this.used[port >>> 5] &= ~(1 << (port & 31));
    this.inUse--;
  }

  /**
   * Picks and takes an external port for internal port `internalPort`: x itself if preserving,
   * else the same parity (REQ-4) from the cursor or at random, else any free port of the range.
   * null only when the whole range is taken.
   */
  allocate(internalPort: number, policy: PortPolicy): number | null {
    const privileged = policy.privilegedSplit && internalPort >= PRIVILEGED_LO && internalPort <= PRIVILEGED_HI;
    const lo = privileged ? PRIVILEGED_LO : policy.range[0];
    const hi = privileged ? PRIVILEGED_HI : policy.range[1];
    if ((policy.preservation || privileged) && internalPort >= lo && internalPort <= hi && this.claim(internalPort)) return internalPort;
    const parity = policy.parity ? internalPort & 1 : -1;
    let port: number;
    if (policy.allocation === 'random') {
      port = this.random(lo, hi, parity);
      // REQ-4 parity is a preference: with no port of the same parity left, any free port beats a refusal.
      if (port < 0 && parity >= 0) port = this.scanWrapping(this.rng.int(lo, hi), lo, hi, -1);
    } else {
      let from = privileged ? this.privilegedCursor : this.cursor;
      if (from < lo || from > hi) from = privileged || SEQUENTIAL_START < lo || SEQUENTIAL_START > hi ? lo : SEQUENTIAL_START;
      port = this.scanWrapping(from, lo, hi, parity);
      if (port < 0 && parity >= 0) port = this.scanWrapping(from, lo, hi, -1);
      if (port >= 0) {
        const next = port + 1 > hi ? lo : port + 1;
        if (privileged) this.privilegedCursor = next;
        else this.cursor = next;
      }
    }
    if (port < 0) return null;
    this.used[port >>> 5] |= 1 << (port & 31);
    this.inUse++;
    return port;
  }

  /** Uniform random probes, then a scan from a random point; the seeded rng makes it reproducible. */
  private random(lo: number, hi: number, parity: number): number {
    for (let i = 0; i < RANDOM_PROBES; i++) {
      let p = this.rng.int(lo, hi);
      if (parity >= 0 && (p & 1) !== parity) p = p + 1 <= hi ? p + 1 : p - 1;
      if (p >= lo && (parity < 0 || (p & 1) === parity) && !this.isUsed(p)) return p;
    }
    return this.scanWrapping(this.rng.int(lo, hi), lo, hi, parity);
  }

  private scanWrapping(from: number, lo: number, hi: number, parity: number): number {
    const p = this.scan(from, hi, parity);
    return p >= 0 ? p : this.scan(lo, from - 1, parity);
  }

  /** First free port in [from, to] with the given parity (-1 = any), 32 ports per step; -1 if none. */
  private scan(from: number, to: number, parity: number): number {
    if (from > to) return -1;
    const parityMask = parity < 0 ? -1 : parity === 0 ? EVEN : ODD;
    const lastWord = to >>> 5;
    let mask = -1 << (from & 31);
    for (let w = from >>> 5; w <= lastWord; w++) {
      let free = ~this.used[w] & parityMask & mask;
      if (w === lastWord && (to & 31) !== 31) free &= (1 << ((to & 31) + 1)) - 1;
      if (free !== 0) return (w << 5) + lowestBit(free);
      mask = -1;
    }
    return -1;
  }
}
