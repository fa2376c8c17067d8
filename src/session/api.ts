// The session API as commands see it: the errors they throw, the units they parse and print, and
// the shapes of what session methods return. Commands import this (and src/cli/, and the session
// modules that start, reach or hold a session) and never the engine, wire, capture or bridge
// layers themselves; eslint.config.js keeps it so. Only light modules are re-exported by value:
// every command loads this file when it starts.
export { invalid, notFound, VnetError } from '../engine/errors.js';
export { formatDuration, parseDuration } from '../engine/units.js';
export { parseEndpoint } from '../bridge/endpoint.js';
export { writeFileReplacing } from '../capture/target-file.js';

export type { DnsRecord } from '../engine/dns.js';
export type { NetworkEvent } from '../engine/events.js';
export type { FilterInfo } from '../engine/filter-registry.js';
export type { CaptureInfo } from '../capture/index.js';
export type { MapInfo, ProxyInfo } from '../bridge/index.js';
export type { EventView, HostView, LanView, MappingView, RouterView } from './views.js';
export type { ApplySummary, EntryNames } from './topology-entries.js';
export type { Topology } from './topology-schema.js';
export type { StunView } from '../services/stun-registry.js';
export type { NatProbeResult } from './stun-methods.js';
export type { NatPmpServerInfo } from '../services/natpmp/server.js';
export type { HostMappingResult } from '../services/natpmp/on-host.js';
export type { MrouteView, McastView } from './multicast-methods.js';
