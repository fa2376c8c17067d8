// The NAT's public surface: config, the NAPT table, the 1:1 NAT, and createNat to pick between them.
import type { Ipv4 } from '../../wire/addr.js';
import type { Rng } from '../rng.js';
import type { Scheduler } from '../scheduler.js';
import type { NatConfig } from './config.js';
import type { Nat, NatEvent } from './mapping.js';
import { OneToOneNat } from './one-to-one.js';
import { NatTable } from './table.js';

export {
  DEFAULT_LIFETIME_NS, DEFAULT_MAX_MAPPINGS, DEFAULT_TCP_ESTABLISHED_NS, DEFAULT_TCP_TRANSITORY_NS, DEFAULT_NAT, NAT_PRESETS, SEQUENTIAL_START, describeNat, normalizeNat,
  type Behavior, type NatConfig, type NatOptions, type NatPresetName,
} from './config.js';
export type { ExplicitRequest, Nat, NatEvent, NatMapping } from './mapping.js';
export { OneToOneNat, Pair, PairView } from './one-to-one.js';
export { PortAllocator, type PortPolicy } from './ports.js';
export { NatTable } from './table.js';
export type { TcpState } from './tcp-state.js';
export { mappingView, type MappingView } from './view.js';

/** A NAPT table or a 1:1 NAT, as the config's mode says. `externalIps` are the router's uplink addresses. */
export function createNat(
  config: NatConfig, externalIps: readonly Ipv4[], scheduler: Scheduler, rng: Rng, onEvent?: (e: NatEvent) => void,
): Nat {
  return config.mode === '1to1'
    ? new OneToOneNat(config, externalIps, scheduler, rng, onEvent)
    : new NatTable(config, externalIps, scheduler, rng, onEvent);
}
