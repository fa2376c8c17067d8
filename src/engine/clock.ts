// Clocks: where the engine's "now" comes from. Time is integer nanoseconds
// since the clock's origin; `originUnixSeconds` anchors it to wall time for
// captures. The engine never reads wall time itself.
import { invalid } from './errors.js';

export interface Clock {
  readonly kind: 'real' | 'virtual';
  /** Nanoseconds since the clock's origin. */
  now(): number;
  /** Wall time of the origin, whole seconds since 1970 (captures add now()). */
  readonly originUnixSeconds: number;
}

/** Reads the process's monotonic clock. */
export class RealClock implements Clock {
  readonly kind = 'real' as const;
  readonly originUnixSeconds: number;
  private readonly base: number;

  constructor() {
    const wallMs = Date.now();
    this.originUnixSeconds = Math.floor(wallMs / 1000);
    // Start the count at the sub-second part of wall time so capture stamps are true wall time.
    this.base = performance.now() - (wallMs - this.originUnixSeconds * 1000);
  }

  now(): number {
    return Math.round((performance.now() - this.base) * 1e6);
  }
}

/** Default origin of virtual clocks: 2026-01-01T00:00:00Z, fixed so captures are byte-identical run to run. */
export const DEFAULT_VIRTUAL_ORIGIN = 1767225600;

/** Time that moves only when told to (through the scheduler's advance()). */
export class VirtualClock implements Clock {
  readonly kind = 'virtual' as const;
  readonly originUnixSeconds: number;
  private t = 0;

  constructor(options: { originUnixSeconds?: number } = {}) {
    this.originUnixSeconds = options.originUnixSeconds ?? DEFAULT_VIRTUAL_ORIGIN;
  }

  now(): number {
    return this.t;
  }

  /** Moves time to `t` (ns). Time never goes backwards. Called by the scheduler. */
  set(t: number): void {
    if (t < this.t) throw invalid(`virtual clock cannot go back from ${this.t}ns to ${t}ns`);
    this.t = t;
  }
}
