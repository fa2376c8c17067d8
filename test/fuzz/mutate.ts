// What the fuzz suites share: how many cases to run (VNET_FUZZ_CASES scales them), a seeded random
// source, byte mutations, and the check that an input raises nothing but the error type allowed.
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng.js';

/**
 * The number of cases a suite runs: its default share of the default run (a few thousand cases in
 * all, a few seconds), or that share of VNET_FUZZ_CASES when it is set (`VNET_FUZZ_CASES=200000`).
 */
export function fuzzCases(defaultCases: number, share: number): number {
  const total = Number(process.env.VNET_FUZZ_CASES);
  return Number.isInteger(total) && total > 0 ? Math.max(1, Math.round(total * share)) : defaultCases;
}

/** The seed of a run: VNET_FUZZ_SEED to replay one, else fixed. */
export function fuzzSeed(suite: string): number {
  const given = Number(process.env.VNET_FUZZ_SEED);
  return Number.isInteger(given) ? given : new Rng(suite).seed;
}

export class Fuzz {
  readonly rng: Rng;
  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  int(n: number): number {
    return this.rng.nextU32() % n;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.rng.float() < p;
  }

  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  /** A copy of `input` with 1-4 mutations: bit flips, byte sets, extreme 16/32-bit values, cuts, inserts, copies of spans. */
  mutate(input: Uint8Array): Uint8Array {
    let b = Uint8Array.from(input);
    const rounds = 1 + this.int(4);
    for (let r = 0; r < rounds; r++) {
      const at = b.length === 0 ? 0 : this.int(b.length);
      switch (this.int(7)) {
        case 0:
          if (b.length > 0) b[at] ^= 1 << this.int(8);
          break;
        case 1:
          if (b.length > 0) b[at] = this.pick([0, 1, 0x7f, 0x80, 0xff, this.int(256)]);
          break;
        case 2: {
          // A length-like field set to an extreme, in either byte order.
          const v = this.pick([0, 1, 0xffff, 0xffffffff, 0x7fffffff, 0x80000000, b.length, b.length + 4, this.rng.nextU32()]);
          const width = this.chance(0.5) ? 2 : 4;
          for (let k = 0; k < width && at + k < b.length; k++) {
            const shift = this.chance(0.5) ? 8 * k : 8 * (width - 1 - k);
            b[at + k] = (v >>> shift) & 0xff;
          }
          break;
        }
        case 3:
          b = b.subarray(0, at);
          break;
        case 4: {
          const extra = this.bytes(1 + this.int(16));
          b = Uint8Array.from([...b.subarray(0, at), ...extra, ...b.subarray(at)]);
          break;
        }
        case 5: {
          const end = at + this.int(Math.max(1, b.length - at));
          b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(end)]);
          break;
        }
        default: {
          // A span copied over another place (a block header landing where data was).
          if (b.length < 2) break;
          const from = this.int(b.length);
          const len = 1 + this.int(Math.min(32, b.length - from));
          b.set(b.slice(from, from + len), this.int(Math.max(1, b.length - len)));
        }
      }
    }
    return b;
  }
}

/** Runs `fn`; anything it throws must be an `allowed` error, or the test fails naming the case and its input. */
export function onlyThrows(allowed: new (...args: never[]) => Error, name: string, input: string, fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (err) {
    if (err instanceof allowed) return true;
    assert.fail(`${name}: threw ${(err as Error)?.name}: ${(err as Error)?.message}, want only ${allowed.name}; input ${input}`);
  }
}

export function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
