// Flags whose values are wall-time waits, checked where they are typed so that a wrong value is bad
// usage naming the flag. (VLAN IDs and port ranges go to the session as typed: its schema checks them.)
import { Flags } from '@oclif/core';
import { invalid } from '../engine/errors.js';
import { parseDuration } from '../engine/units.js';
import { quoteInput } from '../wire/user-input.js';

/** The longest wall-time wait a Node timer holds: 2^31-1 ms, about 24.8 days. */
export const MAX_WALL_WAIT_MS = 2 ** 31 - 1;

/** A wall-time duration in ms (250ms, 5s, 2m; a bare number is ms), at most MAX_WALL_WAIT_MS. */
export function parseWallWait(text: string): number {
  const ms = parseDuration(text, 'the wait') / 1e6;
  if (ms > MAX_WALL_WAIT_MS) throw invalid(`${quoteInput(text)} is longer than the longest wait, 24 days (${MAX_WALL_WAIT_MS} ms)`);
  return ms;
}

export const wallWaitFlag = Flags.custom<number>({ parse: async (input) => parseWallWait(input) });
