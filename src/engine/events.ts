// The network's event stream: NAT mappings made and expired, drops with their
// reason, nodes added and removed. Emitting is a no-op when nobody listens, so
// the packet path pays one branch.
import { packetLength, type Packet } from '../wire/packet.js';
import { describeFields, type PacketFields } from './describe.js';

export interface BaseEvent {
  /** Engine time in nanoseconds. */
  time: number;
}

export interface MappingEvent extends BaseEvent {
  type: 'mapping-created' | 'mapping-expired' | 'mapping-deleted' | 'mapping-refused';
  router: string;
  proto: string;
  internal: string;
  external: string;
  remote?: string;
  /** TCP mappings: the connection's phase when the event happened (RFC 5382). */
  state?: string;
  reason?: string;
  /** Explicit mappings a client asked for: 'natpmp' or 'pcp'. */
  requested?: string;
}

/**
 * A packet dropped at an interface. Drops can come by the million (100 % loss, a full queue), so
 * the event keeps the packet's fields as numbers and makes its text only when `packet` is read or
 * the event is turned into JSON.
 */
export class DropEvent implements BaseEvent, PacketFields {
  readonly type = 'drop' as const;
  readonly proto: number;
  readonly src: number;
  readonly dst: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly ttl: number;
  readonly icmpType: number;
  readonly icmpCode: number;
  readonly icmpId: number;
  readonly icmpSeq: number;
  readonly frag: number;
  private readonly length: number;
  private text: string | null = null;

  constructor(readonly time: number, readonly iface: string, readonly reason: string, pkt: Packet) {
    this.proto = pkt.proto;
    this.src = pkt.src;
    this.dst = pkt.dst;
    this.srcPort = pkt.srcPort;
    this.dstPort = pkt.dstPort;
    this.ttl = pkt.ttl;
    this.icmpType = pkt.icmpType;
    this.icmpCode = pkt.icmpCode;
    this.icmpId = pkt.icmpId;
    this.icmpSeq = pkt.icmpSeq;
    this.frag = pkt.frag ?? 0;
    this.length = packetLength(pkt);
  }

  /** The packet as one line, e.g. `UDP 192.168.1.2:5000 → 203.0.113.2:7000 len=128 ttl=63`. */
  get packet(): string {
    if (this.text === null) this.text = describeFields(this, this.length);
    return this.text;
  }

  toJSON(): { type: 'drop'; time: number; iface: string; reason: string; packet: string } {
    return { type: this.type, time: this.time, iface: this.iface, reason: this.reason, packet: this.packet };
  }
}

export interface NodeEvent extends BaseEvent {
  type: 'node-added' | 'node-removed';
  kind: 'router' | 'host';
  name: string;
}

export interface FilterEvent extends BaseEvent {
  type: 'filter-added' | 'filter-changed' | 'filter-removed';
  id: number;
  iface: string;
  direction: 'egress' | 'ingress';
}

export interface ErrorEvent extends BaseEvent {
  type: 'error';
  message: string;
}

/** A capture stopped by itself: its file or stream could not be written (disk full, I/O error). */
export interface CaptureEvent extends BaseEvent {
  type: 'capture-failed';
  id: number;
  error: string;
}

/** A router's uplink addresses changed (`vnet router set --ip`): its NAT starts afresh on them. */
export interface UplinkEvent extends BaseEvent {
  type: 'uplink-changed';
  router: string;
  ips: string[];
}

/** A gateway service turned on, off, or reset (a simulated reboot: epoch and mappings lost). */
export interface ServiceEvent extends BaseEvent {
  type: 'service-enabled' | 'service-disabled' | 'service-reset';
  router: string;
  service: string;
}


/**
 * A multicast router's upcalls, as a routing daemon sees them: the first packet of an (S,G) without a
 * route (`mroute-missing`, once per pending route) and a packet on another interface than its route's
 * (`mroute-wrong-iif`, with the interface the route expects).
 */
export interface MrouteEvent extends BaseEvent {
  type: 'mroute-missing' | 'mroute-wrong-iif';
  router: string;
  source: string;
  group: string;
  iif: string;
  expectedIif?: string;
}

/** A router learnt (IGMP report) or lost (leave, or 260 s without reports) the members of a group on one interface. */
export interface MembershipEvent extends BaseEvent {
  type: 'mcast-member-added' | 'mcast-member-removed';
  router: string;
  iface: string;
  group: string;
  /** The last host that reported. */
  reporter: string;
  reason?: 'leave' | 'timeout';
}

export type NetworkEvent = MappingEvent | DropEvent | NodeEvent | FilterEvent | ErrorEvent | CaptureEvent | MrouteEvent | MembershipEvent | UplinkEvent | ServiceEvent;
export type EventListener = (e: NetworkEvent) => void;

export class EventBus {
  private listeners: EventListener[] = [];
  /** True when someone listens; check before building an event on a hot path. */
  active = false;

  on(listener: EventListener): () => void {
    this.listeners.push(listener);
    this.active = true;
    return () => this.off(listener);
  }

  off(listener: EventListener): void {
    this.listeners = this.listeners.filter((l) => l !== listener);
    this.active = this.listeners.length > 0;
  }

  emit(e: NetworkEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's failure must not break the packet path.
      }
    }
  }
}
