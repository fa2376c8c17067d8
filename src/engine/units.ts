// Parsers for the units users type: durations, percentages, bit rates, byte sizes.
// The engine keeps time in integer nanoseconds.
import { invalid } from './errors.js';

export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;

const DURATION_UNITS: Record<string, number> = {
  ns: 1, us: 1_000, µs: 1_000, ms: NS_PER_MS, s: NS_PER_S, m: 60 * NS_PER_S, h: 3600 * NS_PER_S,
};

/**
 * The longest duration and the latest clock time vnet keeps: 2^53 - 1 ns (about 104 days), the
 * largest whole number of nanoseconds a JavaScript number holds exactly.
 */
export const MAX_DURATION_NS = Number.MAX_SAFE_INTEGER;
const MAX_DURATION_TEXT = '104 days (2^53 ns)';

/** A duration in nanoseconds. Numbers are milliseconds; strings take ns, us, ms, s, m, h (`250ms`, `1.5s`, `2m`). */
export function parseDuration(v: string | number, what = 'duration'): number {
  let ns: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw invalid(`${what} ${v} is not a non-negative number of milliseconds`);
    ns = Math.round(v * NS_PER_MS);
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|h)?\s*$/.exec(v);
    if (!m) throw invalid(`${what} "${v}" is not a duration; write e.g. 250ms, 5s, 2m, 1h`);
    ns = Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']);
  }
  if (!(ns <= MAX_DURATION_NS)) throw invalid(`${what} ${typeof v === 'number' ? `${v} ms` : `"${v}"`} is longer than ${MAX_DURATION_TEXT}, the longest duration vnet counts exactly in nanoseconds; give at most 2501h`);
  return ns;
}

/** Formats nanoseconds the short way users type them: 1500000 → "1.5ms", 18884023 → "18.884ms". */
export function formatDuration(ns: number): string {
  const units: [string, number][] = [['h', 3600 * NS_PER_S], ['m', 60 * NS_PER_S], ['s', NS_PER_S], ['ms', NS_PER_MS], ['us', 1000]];
  for (const [u, f] of units) if (ns >= f) return `${+(ns / f).toFixed(3)}${u}`;
  return `${ns}ns`;
}

/** A percentage as a fraction in [0, 1]: `10`, `10%` and `2.5%` are accepted. */
export function parsePercent(v: string | number, what = 'percentage'): number {
  const n = typeof v === 'number' ? v : /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(v)?.[1];
  const x = n === undefined ? NaN : Number(n);
  if (!Number.isFinite(x) || x < 0 || x > 100) throw invalid(`${what} "${v}" is not a percentage from 0 to 100`);
  return x / 100;
}

const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9 };

/** A rate in bits per second. Like tc: `kbit`, `mbit`, `gbit` are bits; `kbps`, `mbps` are bytes. Bare numbers are bit/s. */
export function parseRate(v: string | number, what = 'rate'): number {
  if (typeof v === 'number') {
    if (!(v > 0) || !Number.isFinite(v)) throw invalid(`${what} ${v} must be a positive number of bits per second`);
    return v;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i.exec(v);
  const f = m ? RATE_UNITS[(m[2] ?? 'bit').toLowerCase()] : undefined;
  if (!m || f === undefined || !(Number(m[1]) > 0)) throw invalid(`${what} "${v}" is not a rate; write e.g. 500kbit, 4mbit, 1gbit`);
  return Number(m[1]) * f;
}

/** Like tc: 4mbit, 1.5mbit, 500kbit, else bits; always parses back (parseRate) to `bps` exactly. */
export function formatRate(bps: number): string {
  for (const [unit, f] of [['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) {
    if (bps < f) continue;
    const text = `${(bps / f).toFixed(3).replace(/\.?0+$/, '')}${unit}`;
    if (parseRate(text) === bps) return text;
  }
  return `${bps}bit`;
}

const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1024, m: 1024 * 1024, mb: 1024 * 1024, g: 1024 ** 3, gb: 1024 ** 3 };

/** A size in bytes. Like tc: `b`, `kb` (1024), `mb` (1024²); bare numbers are bytes. */
export function parseSize(v: string | number, what = 'size'): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) throw invalid(`${what} ${v} must be a whole number of bytes`);
    return v;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i.exec(v);
  const f = m ? SIZE_UNITS[(m[2] ?? 'b').toLowerCase()] : undefined;
  if (!m || f === undefined) throw invalid(`${what} "${v}" is not a size; write e.g. 1500b, 32kb, 1mb`);
  return Math.round(Number(m[1]) * f);
}

/** Like tc: 32kb (1024 bytes), 1mb, else bytes (`1500b`). */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024}mb`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024}kb`;
  return `${bytes}b`;
}
