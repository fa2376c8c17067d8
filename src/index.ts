// vnet as a library: the emulated network, its sockets and its building blocks.
export { Network } from './engine/network.js';
export type { NetworkOptions, RouterOptions, HostOptions, NatPreset } from './engine/network.js';
export { Router } from './engine/router.js';
export { Host } from './engine/host.js';
export { VSocket } from './engine/socket.js';
export type { RemoteInfo, AddressInfo, IcmpNotice, MtuDiscover, SocketOptions } from './engine/socket.js';
export type { IcmpMessage } from './engine/node.js';
// Routers with several LANs, and forwarding's one home (a multicast forwarder plugs into Forwarder.multicast).
export { Lan } from './engine/router-lans.js';
export type { LanOptions } from './engine/network-lans.js';
export type { Forwarder, ForwardingHost, MulticastForwarder } from './engine/forwarding.js';
export { Interface } from './engine/iface.js';
export type { Tap, Direction } from './engine/iface.js';
export { Scheduler } from './engine/scheduler.js';
export { RealClock, VirtualClock } from './engine/clock.js';
export type { Clock } from './engine/clock.js';
export { Rng } from './engine/rng.js';
export { VnetError } from './engine/errors.js';
export type { NetworkEvent, MappingEvent } from './engine/events.js';
export { DropEvent } from './engine/events.js';
export type { DropReason } from './engine/stats.js';
export type { FilterSpec, NormalizedFilter } from './engine/filters/spec.js';
export type { FilterInfo } from './engine/filter-registry.js';
export type { NatOptions, NatConfig } from './engine/nat/config.js';
export type { MappingView } from './engine/nat/view.js';
export { parseDuration, parsePercent, parseRate, parseSize, formatDuration } from './engine/units.js';
export { formatIpv4, parseIpv4, Cidr } from './wire/addr.js';
export { describePacket } from './engine/describe.js';
export * as wire from './wire/index.js';

// Topology files and sessions: the same YAML `vnet up -f`, `vnet apply -f` and `vnet export` speak.
export { applyTopology, exportTopology, parseTopology, topologyToYaml, validateTopology } from './session/topology.js';
export type { Topology, ApplySummary, ApplyOptions, ExportOptions } from './session/topology.js';
export { Session } from './session/session.js';
export type { SessionOptions, CallContext } from './session/session.js';
// A topology file's entries, which are also the params of `router.add`, `host.add`, `filter.add`, `dns.add`, `capture.start`.
export type { RouterDoc, HostDoc, FilterDoc, DnsDoc, CaptureDoc } from './session/topology-schema.js';
export type { RouterView, HostView, InterfaceView, NatConfigView, EventView } from './session/views.js';
export type { LanDoc } from './session/topology-schema.js';
export type { LanView } from './session/views.js';

// Captures: pcap/pcapng files or streams of any interface, and a small reader for them.
export { CaptureManager, readCapture } from './capture/index.js';
export type { CaptureStartOptions, CaptureInfo, CaptureFormat, CaptureFile, CapturedPacket } from './capture/index.js';

// The bridge to real programs: a real UDP server at a virtual address, a real client as a virtual host.
export { Bridge } from './bridge/index.js';
export type { ProxyOptions, ProxyInfo, MapOptions, MapInfo } from './bridge/index.js';

// STUN (RFC 8489, RFC 5780) on virtual hosts, and the NAT probe (`vnet stun`, `vnet nat probe`).
export { stunServers, StunServers } from './services/stun-registry.js';
export type { StunDoc, StunView } from './services/stun-registry.js';
export { StunServer } from './services/stun-server.js';
export { probeBehaviour, probeLifetime } from './services/nat-probe.js';
export type { ProbeReport, ProbeTiming, LifetimeOptions } from './services/nat-probe.js';
export type { NatProbeResult, NatProbeParams, ProbeExpectation } from './session/stun-methods.js';
// Gateway services: NAT-PMP/PCP servers on NAT routers, and the client (over a virtual or a real socket).
export { NatPmpServer } from './services/natpmp/server.js';
export type { NatPmpServerInfo, NatPmpServerOptions } from './services/natpmp/server.js';
export { Conn, parseMessage, marshalMessage } from './services/natpmp/conn.js';
export type { DgramLike, Endpoint, PortMappingMessage, Received, ConnOptions } from './services/natpmp/conn.js';
export { PortMappingClient, PortMappingError, engineTimers, realTimers } from './services/natpmp/client.js';
export type { ClientOptions, MapResult, PcpMapOptions, PcpMapResult, Timers } from './services/natpmp/client.js';
export { GatewayServices, gatewayServices } from './services/registry.js';
export type { NatPmpDoc } from './services/registry.js';
export { probablyNatPmp, parseNatPmp, marshalNatPmp } from './wire/natpmp.js';
export { probablyPcp, parsePcp, marshalPcp } from './wire/pcp.js';
// Transparent hosts: `net.externalStacks = new NetnsHosts({...}).attach` gives each `netns: true` host a
// Linux network namespace behind a TUN device (root, real clock); the gateway DNS server.
export { NetnsHosts } from './netns/index.js';
export type { NetnsHostsOptions, TunStats } from './netns/index.js';
export type { ExternalStack } from './engine/host.js';
export type { ExternalStackFactory } from './engine/network.js';
export { serveDnsOnEveryRouter } from './services/dns-server.js';
// Multicast: (S,G) routes with gVisor's RouteTable semantics (or Linux ipmr's), IGMPv2 membership.
export { MulticastRouteTable, InstalledRoute, DEFAULT_PENDING_QUEUE_SIZE, LINUX_PENDING_QUEUE_SIZE } from './multicast/route-table.js';
export type { MulticastRoute, OutgoingInterface, PendingRoute, LookupResult } from './multicast/route-table.js';
export type { MulticastOptions, MulticastCompat, MrouteView } from './multicast/router-multicast.js';
export type { MrouteSpec, MembershipSpec, McastView } from './multicast/network-api.js';
export type { MembershipView } from './multicast/lan-members.js';
export type { MrouteEvent, MembershipEvent } from './engine/events.js';
export type { MrouteDoc, MembershipDoc } from './session/topology-schema.js';
