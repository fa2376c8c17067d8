// The NAT-PMP (RFC 6886) and PCP (RFC 6887) server on a NAT router: UDP 5351 on its LAN addresses,
// requests made into the router's own NAT table, the epoch, and announcements to 224.0.0.1:5350.
import { formatIpv4, parseIpv4, type Ipv4 } from '../../wire/addr.js';
import { makeUdp } from '../../wire/packet.js';
import {
  marshalNatPmp, NATPMP_ANNOUNCE_GROUP, NATPMP_ANNOUNCE_PORT, NATPMP_PORT, NatPmpResult, parseNatPmp, unsupportedOpcodeReply,
  type MapRequest,
} from '../../wire/natpmp.js';
import { marshalPcp, PCP_HEADER_LENGTH, PCP_VERSION, PcpResult, pcpHeaderResponse } from '../../wire/pcp.js';
import { WireError } from '../../wire/errors.js';
import { invalid } from '../../engine/errors.js';
import type { NatMapping, NatTable } from '../../engine/nat/index.js';
import type { Router } from '../../engine/router.js';
import type { Task } from '../../engine/scheduler.js';
import type { RemoteInfo, VSocket } from '../../engine/socket.js';
import { handlePcp } from './pcp-server.js';
import { grant, NOT_AUTHORIZED, type NatPmpServerOptions, type ServerState } from './state.js';

export type { NatPmpServerOptions } from './state.js';

const S = 1e9;
const PROTO_TCP = 6;
const PROTO_UDP = 17;

export interface NatPmpServerInfo {
  router: string;
  addresses: string[];
  pcp: boolean;
  maxLifetimeNs: number;
  allowPorts: [number, number];
  allowThirdParty: boolean;
  /** Seconds since the epoch began (it restarts on reset and when the external address changes). */
  epoch: number;
  /** Live mappings clients asked for. */
  mappings: number;
  requests: number;
  /** Datagrams dropped unanswered (malformed, responses, from outside the LAN). */
  ignored: number;
}

export const DEFAULT_MAX_LIFETIME_NS = 24 * 3600 * S;
/** RFC 6886 §3.2.1: announcements go out 10 times, 250 ms apart at first, the gap doubling. */
const ANNOUNCE_COPIES = 10;
const ANNOUNCE_FIRST_GAP_NS = 250_000_000;

export class NatPmpServer implements ServerState {
  readonly options: Required<NatPmpServerOptions>;
  /** PCP nonces by mapping record: a table replaced by `nat set` or a new address leaves none behind. */
  readonly nonces = new WeakMap<NatMapping, Uint8Array>();
  private readonly sockets: VSocket[] = [];
  /** The gateway addresses bound at enable (a LAN added later is served after disable + enable). */
  private readonly served: Ipv4[] = [];
  private epochStart: number;
  private announceTask: Task | undefined;
  private announced = 0;
  private requests = 0;
  private ignored = 0;
  private closed = false;
  /** The NAT the epoch belongs to. */
  private nat: Router['nat'];

  constructor(readonly router: Router, options: NatPmpServerOptions = {}) {
    if (router.parent === null || router.uplink === null) throw invalid(`${router.name} is the root router; NAT-PMP runs on a NAT router below it`);
    const allow = options.allowPorts ?? [1, 65535];
    if (!(allow[0] >= 1 && allow[1] <= 65535 && allow[0] <= allow[1])) throw invalid(`allowed ports ${allow[0]}-${allow[1]} are not a range within 1-65535`);
    const max = options.maxLifetimeNs ?? DEFAULT_MAX_LIFETIME_NS;
    if (!(max >= S && max <= 0xffffffff * S)) throw invalid(`max lifetime ${max / S}s is not between 1s and 4294967295s`);
    this.options = { pcp: options.pcp ?? false, maxLifetimeNs: max, allowPorts: [allow[0], allow[1]], allowThirdParty: options.allowThirdParty ?? false };
    this.epochStart = router.scheduler.now();
    this.nat = router.nat;
    // Every LAN's gateway address (LANs added later are served after `natpmp disable` + `enable`).
    for (const ip of this.lanAddresses()) {
      this.served.push(ip);
      const s = router.udpBind(NATPMP_PORT, formatIpv4(ip));
      s.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.receive(s, msg, rinfo));
      this.sockets.push(s);
    }
    this.announce();
  }

  /** Seconds since the start of the epoch (SSSoE). */
  epoch(): number {
    return Math.floor((this.router.scheduler.now() - this.epochStart) / S);
  }

  table(): NatTable | number {
    const nat = this.router.nat;
    // A NAT replaced under us (`nat set` with another behaviour flushes it): state lost, a new epoch (RFC 6886 §3.6).
    if (nat !== this.nat) {
      this.nat = nat;
      this.restartEpoch();
    }
    if (nat === null) return NatPmpResult.NetworkFailure;
    if (nat.mode !== 'napt') return NatPmpResult.NotAuthorized;
    return nat as NatTable;
  }

  externalIp(): Ipv4 {
    return this.router.uplink!.addresses[0];
  }

  /** The router's gateway addresses on all its LANs. */
  private lanAddresses(): Ipv4[] {
    return this.router.lans.list.flatMap((l) => l.iface.addresses);
  }

  /** The gateway addresses served now: bound at enable and still a LAN's. */
  private servedAddresses(): Ipv4[] {
    return this.lanAddresses().filter((ip) => this.served.includes(ip));
  }

  /** A LAN-side address: one of the router's LAN subnets or a subnet routed below it. */
  onLan(ip: Ipv4): boolean {
    return this.router.lans.list.some((l) => l.cidr.contains(ip)) || this.router.routedSubnets.some((r) => r.cidr.contains(ip));
  }

  /** A gateway reboot: every mapping (requested or not) and the epoch are lost; announcements follow. */
  reset(): void {
    this.router.nat?.clear();
    this.restartEpoch();
  }

  /** The external address changed (the NAT starts afresh on it): new epoch, announcements. */
  externalAddressChanged(): void {
    this.nat = this.router.nat;
    this.restartEpoch();
  }

  info(): NatPmpServerInfo {
    const nat = this.router.nat;
    const mappings = nat === null ? 0 : nat.records().filter((m) => m.requestedBy !== undefined).length;
    return {
      router: this.router.name, addresses: this.servedAddresses().map(formatIpv4), pcp: this.options.pcp,
      maxLifetimeNs: this.options.maxLifetimeNs, allowPorts: [...this.options.allowPorts], allowThirdParty: this.options.allowThirdParty,
      epoch: this.epoch(), mappings, requests: this.requests, ignored: this.ignored,
    };
  }

  /** Stops listening and announcing; the mappings made stay until they expire. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.router.scheduler.cancel(this.announceTask);
    for (const s of this.sockets) if (!s.closed) s.close();
  }

  private restartEpoch(): void {
    this.epochStart = this.router.scheduler.now();
    this.announce();
  }

  /** RFC 6886 §3.2.1 and RFC 6887 §14.1: 10 copies to 224.0.0.1:5350, 0.25 s apart at first, doubling. */
  private announce(): void {
    this.router.scheduler.cancel(this.announceTask);
    this.announced = 0;
    this.sendAnnouncement();
  }

  private readonly sendAnnouncement = (): void => {
    this.announceTask = undefined;
    if (this.closed || !this.router.alive) return;
    const copies: Uint8Array[] = [marshalNatPmp({ type: 'external-address-response', result: 0, epoch: this.epoch(), externalAddress: this.externalIp() })];
    if (this.options.pcp) copies.push(marshalPcp({ type: 'pcp-response', version: PCP_VERSION, opcode: 0, result: 0, lifetime: 0, epoch: this.epoch(), options: [] }));
    const group = parseIpv4(NATPMP_ANNOUNCE_GROUP);
    // 224.0.0.1 is link-local: it goes out of the LAN interface only, with TTL 1, never routed.
    for (const lan of this.router.lans.list) {
      for (const ip of lan.iface.addresses) {
        if (!this.served.includes(ip)) continue;
        for (const bytes of copies) lan.iface.transmit(makeUdp(ip, NATPMP_PORT, group, NATPMP_ANNOUNCE_PORT, bytes, 1));
      }
    }
    this.announced++;
    if (this.announced < ANNOUNCE_COPIES) this.announceTask = this.router.scheduler.after(ANNOUNCE_FIRST_GAP_NS * 2 ** (this.announced - 1), this.sendAnnouncement);
  };

  private receive(sock: VSocket, msg: Buffer, rinfo: RemoteInfo): void {
    let reply: Uint8Array | null = null;
    let src: Ipv4;
    try {
      src = parseIpv4(rinfo.address);
    } catch {
      this.ignored++;
      return;
    }
    // RFC 6886 §3.3: nothing for requests from the outside (they can only reach the LAN address when routed to it).
    if (this.onLan(src)) {
      try {
        reply = this.answer(msg, src);
      } catch (err) {
        if (!(err instanceof WireError)) throw err;
        reply = null;
      }
    }
    if (reply === null) {
      this.ignored++;
      return;
    }
    this.requests++;
    sock.sendBytes(reply, rinfo.port, rinfo.address);
  }

  /** The answer to one datagram, or null for none (malformed, a response, an amplification). */
  private answer(b: Uint8Array, src: Ipv4): Uint8Array | null {
    if (b.length < 2 || (b[1] & 0x80) !== 0) return null;
    const version = b[0];
    if (version === 0) return this.natPmp(b, src);
    if (this.options.pcp) {
      // A version we do not speak: UNSUPP_VERSION naming ours (RFC 6887 §9), only for a request at least as long as the answer.
      if (version !== PCP_VERSION) {
        return b.length >= PCP_HEADER_LENGTH ? pcpHeaderResponse(b[1] & 0x7f, PcpResult.UnsuppVersion, 0, this.epoch()) : null;
      }
      return handlePcp(this, b, src);
    }
    // NAT-PMP only: any other version gets the 8-byte "unsupported version" (a PCP client then falls back).
    return b.length >= 8 ? marshalNatPmp({ type: 'error-response', op: 0x80 | b[1], result: NatPmpResult.UnsupportedVersion, epoch: this.epoch() }) : null;
  }

  private natPmp(b: Uint8Array, src: Ipv4): Uint8Array | null {
    if (b[1] > 2) return unsupportedOpcodeReply(b.subarray(0, Math.min(b.length, 1100)));
    const m = parseNatPmp(b);
    if (m.type === 'external-address-request') {
      const t = this.table();
      const result = typeof t === 'number' ? NatPmpResult.NetworkFailure : NatPmpResult.Success;
      return marshalNatPmp({ type: 'external-address-response', result, epoch: this.epoch(), externalAddress: result === 0 ? this.externalIp() : 0 });
    }
    if (m.type !== 'map-request') return null;
    const { result, externalPort, lifetime } = this.natPmpMap(m, src);
    return marshalNatPmp({
      type: 'map-response', protocol: m.protocol, result, epoch: this.epoch(),
      internalPort: m.internalPort, externalPort: result === 0 ? externalPort : 0, lifetime: result === 0 ? lifetime : 0,
    });
  }

  private natPmpMap(m: MapRequest, src: Ipv4): { result: number; externalPort: number; lifetime: number } {
    const t = this.table();
    if (typeof t === 'number') return { result: t, externalPort: 0, lifetime: 0 };
    const proto = m.protocol === 'udp' ? PROTO_UDP : PROTO_TCP;
    if (m.lifetime === 0) {
      if (m.internalPort === 0) {
        // Delete all of this client's mappings of that protocol (RFC 6886 §3.4).
        for (const r of t.records()) if (r.proto === proto && r.internalIp === src && r.requestedBy !== undefined) this.remove(t, r);
        return { result: 0, externalPort: 0, lifetime: 0 };
      }
      const existing = t.findExplicit(proto, src, m.internalPort);
      if (existing !== undefined && existing.requestedBy === undefined) return { result: NatPmpResult.NotAuthorized, externalPort: 0, lifetime: 0 };
      if (existing !== undefined) this.remove(t, existing);
      return { result: 0, externalPort: 0, lifetime: 0 };
    }
    if (m.internalPort === 0) return { result: NatPmpResult.NotAuthorized, externalPort: 0, lifetime: 0 };
    const granted = grant(this, t, proto, src, m.internalPort, m.suggestedExternalPort, m.lifetime, 'natpmp');
    if (typeof granted === 'number') return { result: granted === NOT_AUTHORIZED ? NatPmpResult.NotAuthorized : NatPmpResult.OutOfResources, externalPort: 0, lifetime: 0 };
    return { result: 0, externalPort: granted.mapping.externalPort, lifetime: granted.lifetime };
  }

  private remove(t: NatTable, m: NatMapping): void {
    this.nonces.delete(m);
    t.delete(m.id);
  }
}

