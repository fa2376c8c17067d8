// Shared setup for the NAT table tests: a virtual-clock scheduler, a seeded rng, an event log.
import assert from 'node:assert/strict';
import { formatIpv4, parseIpv4 } from '../../../src/wire/addr.js';
import { VirtualClock } from '../../../src/engine/clock.js';
import { Rng } from '../../../src/engine/rng.js';
import { Scheduler } from '../../../src/engine/scheduler.js';
import type { DropReason } from '../../../src/engine/stats.js';
import { NatTable, normalizeNat, type NatEvent, type NatMapping, type NatOptions } from '../../../src/engine/nat/index.js';

export const ip = parseIpv4;
export const S = 1_000_000_000;

export interface Rig {
  scheduler: Scheduler;
  table: NatTable;
  events: NatEvent[];
}

export function rig(opts: NatOptions = {}, externalIps: string[] = ['203.0.113.1'], seed = 1): Rig {
  const scheduler = new Scheduler(new VirtualClock());
  const events: NatEvent[] = [];
  const config = normalizeNat(opts);
  assert.ok(config, 'normalizeNat returned null');
  const table = new NatTable(config, externalIps.map(ip), scheduler, new Rng(seed), (e) => events.push(e));
  return { scheduler, table, events };
}

/** The mapping, or a failure naming the drop reason. */
export function mapped(r: NatMapping | DropReason, what = 'result'): NatMapping {
  if (typeof r === 'string') assert.fail(`${what}: got drop "${r}", want a mapping`);
  return r;
}

export function endpoint(m: NatMapping): string {
  return `${formatIpv4(m.externalIp)}:${m.externalPort}`;
}

export function eventTypes(events: NatEvent[]): string {
  return events.map((e) => e.type + (e.reason ? `(${e.reason})` : '')).join(',');
}
