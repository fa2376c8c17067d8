// Wall-time timers of any length: Node's setTimeout fires at once past 2^31 - 1 ms (about 24.8
// days), so a longer wait is a chain of shorter ones. For the commands' own deadlines
// (`listen --timeout`, `send --wait`, `exec --timeout`); the engine's timers go through the scheduler.
import { MAX_TIMER_MS } from '../engine/scheduler.js';

export interface WallTimer {
  /** Stops it; calling it again, or after the timer fired, does nothing. */
  clear(): void;
}

/** Calls `fn` once after `ms` milliseconds of wall time, however long that is. */
export function wallTimer(ms: number, fn: () => void): WallTimer {
  const due = Date.now() + ms;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const left = due - Date.now();
    if (left > MAX_TIMER_MS) timer = setTimeout(arm, MAX_TIMER_MS);
    else timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, Math.max(0, left));
  };
  arm();
  return {
    clear: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
