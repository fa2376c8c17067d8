// Flags whose values are wall-time waits, checked where they are typed so that a wrong value is bad
// usage naming the flag. (VLAN IDs and port ranges go to the session as typed: its schema checks them.)
import { Flags } from '@oclif/core';
import { parseDuration } from '../engine/units.js';

/**
 * A wall-time duration in ms (250ms, 5s, 2m; a bare number is ms), as long as parseDuration takes
 * (2501h): the session's wall timers chain past Node's 24.8-day limit (session/wall-timer.ts).
 */
export function parseWallWait(text: string): number {
  return parseDuration(text, 'the wait') / 1e6;
}

export const wallWaitFlag = Flags.custom<number>({ parse: async (input) => parseWallWait(input) });
