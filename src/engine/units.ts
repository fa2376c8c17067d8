// Parsers for the units users type: durations, percentages, bit rates, byte sizes.
// The engine keeps time in integer nanoseconds.
import { invalid } from './errors.js';
import { quoteInput } from '../wire/user-input.js';

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
    if (!m) throw invalid(`${what} ${quoteInput(v)} is not a duration; write e.g. 250ms, 5s, 2m, 1h`);
    ns = Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']);
  }
  if (!(ns <= MAX_DURATION_NS)) throw invalid(`${what} ${typeof v === 'number' ? `${v} ms` : quoteInput(v)} is longer than ${MAX_DURATION_TEXT}, the longest duration vnet counts exactly in nanoseconds; give at most 2501h`);
  return ns;
}

/**
 * Nanoseconds as text, exactly (nothing is rounded), like Go's time.Duration String: the largest
 * units first, trailing zero units left out: 299999000000 → "4m59.999s", 300000000000 → "5m",
 * 300016000000 → "5m0.016s", 3605000000000 → "1h0m5s"; under a second one unit with every digit
 * it needs: 1500000 → "1.5ms", 18884023 → "18.884023ms", 1500 → "1.5us", 999 → "999ns"; 0 → "0s".
 * The one text form of a moment or a duration: events, the REPL, `clock`, `status`, descriptions.
 */
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) return ns > 0 ? 'never' : String(ns);
  const sign = ns < 0 ? '-' : '';
  let n = Math.round(Math.abs(ns));
  if (n === 0) return '0s';
  if (n < 1000) return `${sign}${n}ns`;
  if (n < NS_PER_MS) return `${sign}${exactDecimal(n, 1000, 3)}us`;
  if (n < NS_PER_S) return `${sign}${exactDecimal(n, NS_PER_MS, 6)}ms`;
  const hours = Math.floor(n / HOUR_NS);
  n -= hours * HOUR_NS;
  const minutes = Math.floor(n / MINUTE_NS);
  n -= minutes * MINUTE_NS;
  let text = hours > 0 ? `${hours}h` : '';
  if (minutes > 0 || (hours > 0 && n > 0)) text += `${minutes}m`;
  if (n > 0) text += `${exactDecimal(n, NS_PER_S, 9)}s`;
  return sign + text;
}

const MINUTE_NS = 60 * NS_PER_S;
const HOUR_NS = 60 * MINUTE_NS;

/** `n / unit` with all its decimals (`digits` = log10(unit)), trailing zeros dropped: (1500, 1000, 3) → "1.5". */
function exactDecimal(n: number, unit: number, digits: number): string {
  const whole = Math.floor(n / unit);
  const frac = n - whole * unit;
  return frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}

/**
 * Nanoseconds in one unit, exactly, the way files a user edits hold them: the largest unit that
 * takes it in few decimals (`30ms`, `1.5s`, `1.5m`, `2h`, `299.999s`, `1.234567ms`, `250ns`).
 * parseDuration reads it back to the same number.
 */
export function formatDurationOneUnit(ns: number): string {
  const units: [string, number, number][] = [['h', HOUR_NS, 3], ['m', MINUTE_NS, 3], ['s', NS_PER_S, 9], ['ms', NS_PER_MS, 6], ['us', 1000, 3]];
  for (const [u, f, maxDecimals] of units) {
    if (ns < f) continue;
    for (let d = 0; d <= maxDecimals; d++) {
      const text = (ns / f).toFixed(d);
      if (Math.round(Number(text) * f) === ns) return `${text}${u}`;
    }
  }
  return `${ns}ns`;
}

/** A percentage as a fraction in [0, 1]: `10`, `10%` and `2.5%` are accepted. */
export function parsePercent(v: string | number, what = 'percentage'): number {
  const n = typeof v === 'number' ? v : /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(v)?.[1];
  const x = n === undefined ? NaN : Number(n);
  if (!Number.isFinite(x) || x < 0 || x > 100) throw invalid(`${what} ${quoteInput(String(v))} is not a percentage from 0 to 100`);
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
  if (!m || f === undefined || !(Number(m[1]) > 0)) throw invalid(`${what} ${quoteInput(String(v))} is not a rate; write e.g. 500kbit, 4mbit, 1gbit`);
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
  if (!m || f === undefined) throw invalid(`${what} ${quoteInput(String(v))} is not a size; write e.g. 1500b, 32kb, 1mb`);
  return Math.round(Number(m[1]) * f);
}

/** Like tc: 32kb (1024 bytes), 1mb, else bytes (`1500b`). */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024}mb`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024}kb`;
  return `${bytes}b`;
}
