// A virtual NIC: addresses, MAC, VLAN tags, MTU, counters, impairment filter
// chains on egress and ingress, and taps that see every packet that crosses it.
import { formatIpv4, type Cidr, type Ipv4 } from '../wire/addr.js';
import { packetLength, type Packet } from '../wire/packet.js';
import type { PacketSink, Stage } from './filters/stage.js';
import type { NormalizedFilter } from './filters/spec.js';
import { InterfaceStats, type DropReason } from './stats.js';
import { deriveMac, formatMac } from './mac.js';

const NO_VLAN: readonly number[] = Object.freeze([]);

/** An interface's MTU when none is given (bytes). */
export const DEFAULT_MTU = 1500;
const NO_FILTERS: readonly FilterEntry[] = Object.freeze([]);

export type Direction = 'egress' | 'ingress';

/** Sees packets as they cross an interface. Tap callbacks must not keep `pkt`: it is rewritten at the next hop. */
export interface Tap {
  /** `out`: leaving onto the wire (after egress filters); `in`: arriving from the wire (before ingress filters). */
  packet(pkt: Packet, dir: 'in' | 'out', iface: Interface, time: number): void;
  /** A packet dropped at this interface, with the reason. */
  drop?(pkt: Packet, reason: DropReason, iface: Interface, time: number): void;
}

/** What an interface belongs to: a router or a host. */
export interface InterfaceOwner {
  readonly name: string;
  readonly kind: 'router' | 'host';
  /** A packet that came in on `iface` and passed its ingress filters. */
  input(pkt: Packet, iface: Interface): void;
  now(): number;
  /** Reports a drop to the network's event stream (only called when someone listens). */
  reportDrop(iface: Interface, pkt: Packet, reason: DropReason): void;
  readonly dropEventsActive: boolean;
}

export interface FilterEntry {
  readonly id: number;
  readonly direction: Direction;
  readonly spec: NormalizedFilter;
  readonly stages: Stage[];
}

export class Interface {
  readonly owner: InterfaceOwner;
  readonly name: string;
  private macAddress: Uint8Array | null;
  /** VLAN IDs, outer first (one: 802.1Q; two: 802.1ad QinQ). Captures write them as tags. */
  vlan: readonly number[] = NO_VLAN;
  mtu: number;
  /** Addresses in order; the first is the primary (source of packets the node originates). */
  addresses: Ipv4[] = [];
  /** The subnet this interface's addresses belong to. */
  subnet: Cidr | undefined;
  readonly stats = new InterfaceStats();
  /** Where packets go when they leave this interface: another interface (a host's router LAN, a child's parent LAN)... */
  peerInterface: Interface | null = null;
  /** ...or a function (a router LAN's switch). Set by whoever wires the topology. */
  peer: ((pkt: Packet) => void) | null = null;
  /** False once the owner is removed: packets still in flight toward it are dropped. */
  up = true;
  taps: Tap[] | null = null;
  /** Filters on this interface, in the order added (replaced, never mutated: most interfaces share the empty list). */
  filters: readonly FilterEntry[] = NO_FILTERS;
  /** First filter stage of each direction, or null when the direction has no filter. */
  private egressHead: PacketSink | null = null;
  private ingressHead: PacketSink | null = null;
  private wireSink: PacketSink | null = null;
  private inputSink: PacketSink | null = null;

  /** `mac` null: derived from the interface's name on first use. */
  constructor(owner: InterfaceOwner, name: string, mac: Uint8Array | null, mtu: number) {
    this.owner = owner;
    this.name = name;
    this.macAddress = mac;
    this.mtu = mtu;
  }

  /** `NODE/IFACE`. */
  get fullName(): string {
    return `${this.owner.name}/${this.name}`;
  }

  /** The MAC: given, or stable and derived from the full name (02:…, locally administered). */
  get mac(): Uint8Array {
    return (this.macAddress ??= deriveMac(this.fullName));
  }

  set mac(mac: Uint8Array) {
    this.macAddress = mac;
  }

  get primary(): Ipv4 | undefined {
    return this.addresses[0];
  }

  /** Sends a packet out of this interface: egress filters, then the wire. */
  transmit(pkt: Packet): void {
    if (!this.up) return this.drop(pkt, 'node-removed');
    if (this.egressHead === null) this.toWire(pkt);
    else this.egressHead.push(pkt);
  }

  /** A packet arrives from the wire: counters, taps, ingress filters, then the owner. */
  receive(pkt: Packet): void {
    if (!this.up) return this.drop(pkt, 'node-removed');
    this.stats.rxPackets++;
    this.stats.rxBytes += packetLength(pkt);
    if (this.taps !== null) this.tap(pkt, 'in');
    if (this.ingressHead === null) this.owner.input(pkt, this);
    else this.ingressHead.push(pkt);
  }

  /** Counts a drop here, tells the taps and (when anyone listens) the event stream. */
  drop(pkt: Packet, reason: DropReason): void {
    this.stats.countDrop(reason);
    if (this.taps !== null) {
      const t = this.owner.now();
      for (const tap of this.taps) tap.drop?.(pkt, reason, this, t);
    }
    if (this.owner.dropEventsActive) this.owner.reportDrop(this, pkt, reason);
  }

  addTap(tap: Tap): () => void {
    this.taps = [...(this.taps ?? []), tap];
    return () => {
      const rest = (this.taps ?? []).filter((t) => t !== tap);
      this.taps = rest.length > 0 ? rest : null;
    };
  }

  /** Appends a filter's stages to the chain of its direction and relinks the chain. */
  addFilter(entry: FilterEntry): void {
    this.filters = [...this.filters, entry];
    this.relink(entry.direction);
  }

  /** Removes a filter; packets it holds still leave through the stages after it. */
  removeFilter(id: number): FilterEntry | undefined {
    const entry = this.filters.find((f) => f.id === id);
    if (entry === undefined) return undefined;
    this.filters = this.filters.filter((f) => f !== entry);
    this.relink(entry.direction);
    const tail = entry.stages[entry.stages.length - 1];
    if (tail) tail.next = this.nextAfter(entry);
    return entry;
  }

  /**
   * Replaces a filter in place (same id, same position). Packets the old one holds still
   * leave as it said, to the stages after it; new packets meet the new settings.
   */
  replaceFilter(entry: FilterEntry): FilterEntry | undefined {
    const i = this.filters.findIndex((f) => f.id === entry.id);
    if (i < 0) return undefined;
    const old = this.filters[i];
    this.filters = this.filters.map((f) => (f === old ? entry : f));
    this.relink(old.direction);
    if (entry.direction !== old.direction) this.relink(entry.direction);
    const tail = old.stages[old.stages.length - 1];
    if (tail) tail.next = this.nextAfter(old);
    return old;
  }

  /** Packets held by this interface's filters (in delay lines and queues). */
  held(): number {
    let n = 0;
    for (const f of this.filters) for (const s of f.stages) n += s.held();
    return n;
  }

  describe(): string {
    const addrs = this.addresses.map((a) => `${formatIpv4(a)}${this.subnet ? `/${this.subnet.prefix}` : ''}`).join(' ');
    const vlan = this.vlan.length > 0 ? ` vlan ${this.vlan.join('.')}` : '';
    return `${this.fullName} ${addrs} mac ${formatMac(this.mac)} mtu ${this.mtu}${vlan}`;
  }

  private toWire(pkt: Packet): void {
    const peerIf = this.peerInterface;
    if (peerIf === null && this.peer === null) return this.drop(pkt, 'no-route');
    this.stats.txPackets++;
    this.stats.txBytes += packetLength(pkt);
    if (this.taps !== null) this.tap(pkt, 'out');
    if (peerIf !== null) peerIf.receive(pkt);
    else this.peer!(pkt);
  }

  private tap(pkt: Packet, dir: 'in' | 'out'): void {
    const t = this.owner.now();
    for (const tap of this.taps!) tap.packet(pkt, dir, this, t);
  }

  private relink(direction: Direction): void {
    const stages = this.filters.filter((f) => f.direction === direction).flatMap((f) => f.stages);
    const end = this.endOf(direction);
    for (let i = 0; i < stages.length; i++) stages[i].next = i + 1 < stages.length ? stages[i + 1] : end;
    const head = stages.length > 0 ? stages[0] : null;
    if (direction === 'egress') this.egressHead = head;
    else this.ingressHead = head;
  }

  /** Where the last stage of a direction hands packets: the wire (egress) or the owner (ingress). */
  private endOf(direction: Direction): PacketSink {
    if (direction === 'egress') return (this.wireSink ??= { push: (pkt) => this.toWire(pkt) });
    return (this.inputSink ??= { push: (pkt) => this.owner.input(pkt, this) });
  }

  private nextAfter(removed: FilterEntry): PacketSink {
    const same = this.filters.filter((f) => f.direction === removed.direction && f.id > removed.id && f.stages.length > 0);
    if (same.length > 0) return same[0].stages[0];
    return this.endOf(removed.direction);
  }
}
