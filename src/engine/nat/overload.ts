// Linux conntrack's port choice and port sharing (the `linux` presets): every flow is its own APDM
// mapping, and one external port serves several flows as long as their remote endpoints differ.
import type { Ipv4 } from '../../wire/addr.js';
import type { Rng } from '../rng.js';
import type { ExternalSide } from './lookup.js';
import type { MappingEntry } from './mapping.js';

/** Linux tries this many consecutive ports from a random start, then halves it from a new start, down to this floor. */
const FIRST_ATTEMPTS = 128;
const LAST_ATTEMPTS = 16;

/** The ports Linux picks from for an internal port: 1-511 and 600-1023 for the privileged ones, else the range. */
export function linuxRangeFor(internalPort: number, range: readonly [number, number]): readonly [number, number] {
  if (internalPort >= 1 && internalPort <= 511) return [1, 511];
  if (internalPort >= 512 && internalPort <= 1023) return [600, 1023];
  return range;
}

/** True if a new flow to Y:y may use `port`: nobody holds it, or only flows to other remote endpoints do. */
export function tupleFree(side: ExternalSide, port: number, remoteIp: Ipv4, remotePort: number): boolean {
  if (!side.ports.isUsed(port)) return true;
  for (let m = side.byPort.get(port) ?? null; m !== null; m = m.portNext) {
    if (m.explicit || m.mapping !== 'apd' || (m.remoteIp === remoteIp && m.remotePort === remotePort)) return false;
  }
  return true;
}

/**
 * The external port for a new flow X:x → Y:y, or -1 when none is free (the flow is then dropped,
 * as Linux drops it): x itself when `preserve` and its 5-tuple is free, else ports tried in order
 * from a random start (128 of them, then 64, 32, 16 from fresh starts). The port may be shared.
 * `privileged`: UDP/TCP ports below 1024 stay in Linux's low ranges (not ICMP identifiers).
 */
export function pickFlowPort(
  side: ExternalSide, internalPort: number, remoteIp: Ipv4, remotePort: number, preserve: boolean, range: readonly [number, number], privileged: boolean, rng: Rng,
): number {
  const [lo, hi] = privileged ? linuxRangeFor(internalPort, range) : range;
  if (preserve && internalPort >= lo && internalPort <= hi && tupleFree(side, internalPort, remoteIp, remotePort)) return internalPort;
  const size = hi - lo + 1;
  for (let attempts = Math.min(size, FIRST_ATTEMPTS); ; attempts >>= 1) {
    const start = rng.int(0, size - 1);
    for (let i = 0; i < attempts; i++) {
      const port = lo + ((start + i) % size);
      if (tupleFree(side, port, remoteIp, remotePort)) return port;
    }
    if (attempts >= size || attempts < 2 * LAST_ATTEMPTS) return -1;
  }
}

/** Puts m at the head of its external port's chain. */
export function linkOnPort(side: ExternalSide, m: MappingEntry): void {
  m.portNext = side.byPort.get(m.externalPort) ?? null;
  side.byPort.set(m.externalPort, m);
}

/** Takes m out of its port's chain; true when the port is then free. */
export function unlinkFromPort(side: ExternalSide, m: MappingEntry): boolean {
  const head = side.byPort.get(m.externalPort);
  if (head === m) {
    if (m.portNext === null) side.byPort.delete(m.externalPort);
    else side.byPort.set(m.externalPort, m.portNext);
  } else {
    let e = head ?? null;
    while (e !== null && e.portNext !== m) e = e.portNext;
    if (e !== null) e.portNext = m.portNext;
  }
  m.portNext = null;
  return !side.byPort.has(m.externalPort);
}

/** The flow on this port bound to Z:z, or the chain's head when none is (its filtering then refuses Z:z). */
export function flowFrom(head: MappingEntry, remoteIp: Ipv4, remotePort: number): MappingEntry {
  for (let m: MappingEntry | null = head; m !== null; m = m.portNext) if (m.remoteIp === remoteIp && m.remotePort === remotePort) return m;
  return head;
}
