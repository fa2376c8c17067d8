// Flags whose values are lists of numbers (VLAN IDs, a port range) or wall-time waits, checked where they are typed so that a
// wrong value is bad usage naming the flag, never a NaN that reaches the session as null.
import { Flags } from '@oclif/core';
import { invalid } from '../engine/errors.js';
import { parseDuration } from '../engine/units.js';
import { quoteInput } from '../wire/user-input.js';

/** `ID` or `OUTER,INNER`: one or two VLAN IDs, 1-4094 each, outer first. */
export function parseVlanIds(text: string): number[] {
  const m = /^(\d{1,4})(?:,(\d{1,4}))?$/.exec(text);
  const ids = m ? [m[1], m[2]].filter((x) => x !== undefined).map(Number) : [];
  const bad = ids.find((id) => id < 1 || id > 4094);
  if (!m) throw invalid(`want a VLAN ID 1-4094, or OUTER,INNER for QinQ (e.g. 100 or 100,200), got ${quoteInput(text)}`);
  if (bad !== undefined) throw invalid(`VLAN ID ${bad} is not 1-4094`);
  return ids;
}

/** `LO-HI`: ports 1-65535, LO not above HI. */
export function parsePortRange(text: string): [number, number] {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text);
  if (!m) throw invalid(`want LO-HI, e.g. 1024-65535, got ${quoteInput(text)}`);
  const [lo, hi] = [Number(m[1]), Number(m[2])];
  const bad = [lo, hi].find((p) => p < 1 || p > 65535);
  if (bad !== undefined) throw invalid(`port ${bad} is not 1-65535`);
  if (lo > hi) throw invalid(`${lo}-${hi} is empty; put the low port first`);
  return [lo, hi];
}

export const vlanFlag = Flags.custom<number[]>({ parse: async (input) => parseVlanIds(input) });
export const portRangeFlag = Flags.custom<[number, number]>({ parse: async (input) => parsePortRange(input) });

/** The longest wall-time wait a Node timer holds: 2^31-1 ms, about 24.8 days. */
export const MAX_WALL_WAIT_MS = 2 ** 31 - 1;

/** A wall-time duration in ms (250ms, 5s, 2m; a bare number is ms), at most MAX_WALL_WAIT_MS. */
export function parseWallWait(text: string): number {
  const ms = parseDuration(text, 'the wait') / 1e6;
  if (ms > MAX_WALL_WAIT_MS) throw invalid(`${quoteInput(text)} is longer than the longest wait, 24 days (${MAX_WALL_WAIT_MS} ms)`);
  return ms;
}

export const wallWaitFlag = Flags.custom<number>({ parse: async (input) => parseWallWait(input) });
