// RFC 1071 sums against known values and a naive reference; RFC 1624 updates against full recomputes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checksumAdjust, checksumAdjust32, checksumExcluding, fold, internetChecksum, onesSum, pseudoHeaderSum,
} from '../../src/wire/checksum.js';
import { DNS_QUERY, hex, Lcg } from './vectors.js';

/** The textbook loop: one 16-bit word at a time, fold at the end. */
function reference(b: Uint8Array, initial = 0): number {
  let s = initial;
  for (let i = 0; i < b.length; i += 2) s += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

const x = (v: number): string => `0x${v.toString(16)}`;

test('onesSum and internetChecksum of known byte strings', () => {
  const cases = [
    // RFC 1071 §3: 0001 f203 f4f5 f6f7 sums to 0x2ddf0, folded 0xddf2.
    { name: 'RFC 1071 example', bytes: hex('00 01 f2 03 f4 f5 f6 f7'), sum: 0xddf2, checksum: 0x220d },
    // The IPv4 header example with its checksum field zeroed (checksum 0xb861).
    { name: 'IPv4 header, field zeroed', bytes: hex('45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7'), sum: 0x479e, checksum: 0xb861 },
    { name: 'same header, checksum in place', bytes: hex('45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7'), sum: 0xffff, checksum: 0 },
    { name: 'empty', bytes: hex(''), sum: 0, checksum: 0xffff },
    { name: 'one byte is the high half of a word', bytes: hex('01'), sum: 0x0100, checksum: 0xfeff },
    { name: 'odd length pads with zero', bytes: hex('00 01 f2'), sum: 0xf201, checksum: 0x0dfe },
    { name: 'carry folds around', bytes: hex('ff ff 00 01'), sum: 0x0001, checksum: 0xfffe },
  ];
  for (const c of cases) {
    const s = onesSum(c.bytes);
    assert.equal(s, c.sum, `${c.name}: onesSum got ${x(s)}, want ${x(c.sum)}`);
    const k = internetChecksum(c.bytes);
    assert.equal(k, c.checksum, `${c.name}: internetChecksum got ${x(k)}, want ${x(c.checksum)}`);
  }
});

test('fold', () => {
  const cases = [
    { in: 0, want: 0 }, { in: 0xffff, want: 0xffff }, { in: 0x10000, want: 1 }, { in: 0x1ffff, want: 1 },
    { in: 0x2ddf0, want: 0xddf2 }, { in: 2 ** 40, want: 0x100 }, { in: 2 ** 48, want: 1 }, { in: 0xffffffff, want: 0xffff },
  ];
  for (const c of cases) assert.equal(fold(c.in), c.want, `fold(${x(c.in)}) got ${x(fold(c.in))}, want ${x(c.want)}`);
});

test('onesSum over sub-ranges, short and long (32-bit path), matches the word-at-a-time reference', () => {
  const rng = new Lcg(1071);
  for (let n = 0; n < 1000; n++) {
    const b = rng.bytes(n % 2 === 0 ? rng.below(200) + 8 : 256 + rng.below(1500));
    if (n % 10 === 1) b.fill(0xff);
    if (n % 10 === 3) b.fill(0);
    const start = rng.below(8);
    const end = start + rng.below(b.length - start + 1);
    const initial = rng.below(0x80000);
    const got = onesSum(b, start, end, initial);
    const want = reference(b.slice(start, end), initial);
    assert.equal(got, want, `case ${n} [${start},${end}) got ${x(got)}, want ${x(want)}`);
  }
});

test('pseudoHeaderSum: the DNS query UDP checksum verifies with it', () => {
  const src = 0xc0a80102;
  const dst = 0x08080808;
  // c0a8 + 0102 + 0808 + 0808 + 0011 + 0025 = 0xd1f0.
  const ph = pseudoHeaderSum(src, dst, 17, 37);
  assert.equal(ph, 0xd1f0, `got ${x(ph)}, want 0xd1f0`);
  const v = internetChecksum(DNS_QUERY, 20, 57, ph);
  assert.equal(v, 0, `verification got ${x(v)}, want 0`);
  const c = checksumExcluding(DNS_QUERY, 20, 57, 26, ph);
  assert.equal(c, 0x7313, `computed got ${x(c)}, want 0x7313`);
});

test('checksumExcluding equals a recompute with the field zeroed', () => {
  const hdr = hex('45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7');
  const got = checksumExcluding(hdr, 0, 20, 10);
  assert.equal(got, 0xb861, `got ${x(got)}, want 0xb861`);
  assert.equal(hdr[10], 0xb8, 'bytes must not be written');
});

test('checksumAdjust: known updates', () => {
  const cases = [
    // TTL 64 → 63 in the example header: word 0x4011 → 0x3f11, checksum 0xb861 → 0xb961.
    { name: 'TTL decrement', old: 0xb861, from: 0x4011, to: 0x3f11, want: 0xb961 },
    { name: 'no change keeps the checksum', old: 0x1234, from: 0xabcd, to: 0xabcd, want: 0x1234 },
    { name: 'word to zero', old: 0x0000, from: 0x0001, to: 0x0000, want: 0x0001 },
  ];
  for (const c of cases) {
    const got = checksumAdjust(c.old, c.from, c.to);
    assert.equal(got, c.want, `${c.name}: got ${x(got)}, want ${x(c.want)}`);
  }
});

/** Reads the big-endian word at `o`. */
function word(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

test('checksumAdjust and checksumAdjust32 equal a full recompute (seeded random headers)', () => {
  const rng = new Lcg(1624);
  for (let n = 0; n < 2000; n++) {
    const h = rng.bytes(20);
    h[10] = 0;
    h[11] = 0;
    // Sometimes make words extreme to reach the 0x0000/0xffff corners.
    if (n % 7 === 0) h.fill(0xff, 12, 20);
    if (n % 11 === 0) h.fill(0, 0, 10);
    const c0 = internetChecksum(h);
    h[10] = c0 >>> 8;
    h[11] = c0 & 0xff;
    let c = c0;
    if (n % 2 === 0) {
      const at = 12 + 2 * rng.below(4);
      const m = word(h, at);
      const m2 = n % 3 === 0 ? [0, 0xffff][rng.below(2)] : rng.below(0x10000);
      c = checksumAdjust(c, m, m2);
      h[at] = m2 >>> 8;
      h[at + 1] = m2 & 0xff;
    } else {
      const at = 12 + 4 * rng.below(2);
      const m = ((word(h, at) << 16) | word(h, at + 2)) >>> 0;
      const m2 = n % 3 === 0 ? [0, 0xffffffff][rng.below(2)] : rng.next();
      c = checksumAdjust32(c, m, m2);
      h[at] = m2 >>> 24;
      h[at + 1] = (m2 >>> 16) & 0xff;
      h[at + 2] = (m2 >>> 8) & 0xff;
      h[at + 3] = m2 & 0xff;
    }
    const want = checksumExcluding(h, 0, 20, 10);
    assert.equal(c, want, `case ${n}: incremental got ${x(c)}, want ${x(want)} (header ${Array.from(h).join(',')})`);
  }
});
