// NAT mapping and drop events from the session, shown as they happen: printed at once while the REPL waits
// at its prompt, held (a bounded number) while a command runs and printed when it is done.
import { Chalk } from 'chalk';
import type { SessionCall } from '../cli/base.js';
import { eventText, eventTime } from '../cli/event-text.js';
import type { EventView } from '../session/views.js';

/** Events held while a command runs; more are counted, not kept. */
export const MAX_HELD_EVENTS = 100;

/** The event types the REPL shows live. */
const SHOWN = new Set(['mapping-created', 'mapping-expired', 'mapping-deleted', 'mapping-refused', 'drop',
  'mroute-missing', 'mroute-wrong-iif', 'mcast-member-added', 'mcast-member-removed']);

/** One event as the REPL prints it, or undefined for events it does not show live. */
export function describeLiveEvent(e: EventView, color = false): string | undefined {
  if (!SHOWN.has(e.type)) return undefined;
  const c = new Chalk({ level: color ? 1 : 0 });
  return `${c.dim(`[${eventTime(e)}]`)} ${eventText(e, c)}`;
}

export interface LiveEventsOptions {
  /** Calls the session (callSession bound to its name). */
  call: SessionCall;
  /** Prints lines above the prompt (or plainly, when there is none). */
  print(lines: string[]): void;
  color?: boolean;
  /** Reports that the stream ended by itself (the daemon went away). */
  onError?(message: string): void;
}

export class LiveEvents {
  private readonly controller = new AbortController();
  private held: string[] = [];
  private notHeld = 0;
  private waiting = false;
  private stopped = false;

  constructor(private readonly opts: LiveEventsOptions) {}

  /**
   * Follows the session's events, skipping the ones it replays from before now.
   * Resolves with how many past events there were, once following has begun.
   */
  async start(): Promise<number> {
    const past = (await this.opts.call('events', { follow: false }, () => {}, this.controller.signal)) as { count?: number };
    let skip = typeof past?.count === 'number' ? past.count : 0;
    const backlog = skip;
    this.opts.call('events', { follow: true }, (item) => {
      if (skip > 0) {
        skip--;
        return;
      }
      this.take(item as EventView);
    }, this.controller.signal).catch((err: Error) => {
      if (!this.stopped) this.opts.onError?.(`live events stopped: ${err.message}`);
    });
    return backlog;
  }

  /** The REPL is (true) or is not (false) waiting at its prompt; held events are printed on the way in. */
  setWaiting(waiting: boolean): void {
    this.waiting = waiting;
    if (waiting) this.flush();
  }

  /** Prints what is held now. */
  flush(): void {
    if (this.held.length === 0 && this.notHeld === 0) return;
    const lines = this.held;
    if (this.notHeld > 0) lines.push(`... and ${this.notHeld} more events; \`events\` lists the last ones`);
    this.held = [];
    this.notHeld = 0;
    this.opts.print(lines);
  }

  stop(): void {
    this.stopped = true;
    this.controller.abort();
  }

  private take(e: EventView): void {
    const line = describeLiveEvent(e, this.opts.color);
    if (line === undefined) return;
    if (this.held.length < MAX_HELD_EVENTS) this.held.push(line);
    else this.notHeld++;
    if (this.waiting) this.flush();
  }
}
