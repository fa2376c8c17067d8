// A node's UDP port table: which socket is bound where, lookups for incoming
// datagrams, and ephemeral port choice (49152-65535, like IANA's dynamic range).
import { formatIpv4, type Ipv4 } from '../wire/addr.js';
import { VnetError } from './errors.js';
import type { Packet } from '../wire/packet.js';
import type { VSocket } from './socket.js';

export const EPHEMERAL_LOW = 49152;
export const EPHEMERAL_HIGH = 65535;

/** The UDP ports of one node: who is bound where, and ephemeral port choice. */
export class UdpPortTable {
  /** Port → its socket, or its sockets when several share it (SO_REUSEADDR, different addresses). */
  private readonly byPort = new Map<number, VSocket | VSocket[]>();
  private cursor: number;

  constructor(start: number) {
    this.cursor = EPHEMERAL_LOW + (start % (EPHEMERAL_HIGH - EPHEMERAL_LOW + 1));
  }

  bind(s: VSocket, ip: Ipv4, port: number): number {
    if (port === 0) return this.bindEphemeral(s, ip);
    const found = this.byPort.get(port);
    if (found === undefined) {
      this.byPort.set(port, s);
      return port;
    }
    const list = Array.isArray(found) ? found : [found];
    for (const o of list) {
      if ((o.localIp === 0 || ip === 0 || o.localIp === ip) && !(o.reuseAddr && s.reuseAddr)) {
        throw new VnetError('EADDRINUSE', `port ${port} on ${ip === 0 ? '0.0.0.0' : formatIpv4(ip)} is already in use; pick another port or close the other socket`);
      }
    }
    this.byPort.set(port, [...list, s]);
    return port;
  }

  unbind(s: VSocket): void {
    const found = this.byPort.get(s.localPort);
    if (found === undefined) return;
    const rest = (Array.isArray(found) ? found : [found]).filter((o) => o !== s);
    if (rest.length === 0) this.byPort.delete(s.localPort);
    else this.byPort.set(s.localPort, rest.length === 1 ? rest[0] : rest);
  }

  /** The socket that receives a datagram for ip:port from src:srcPort: exact address first, newest first, then the wildcard. */
  lookup(ip: Ipv4, port: number, src: Ipv4, srcPort: number): VSocket | undefined {
    const found = this.byPort.get(port);
    if (found === undefined) return undefined;
    if (!Array.isArray(found)) return (found.localIp === 0 || found.localIp === ip) && found.accepts(src, srcPort) ? found : undefined;
    let wildcard: VSocket | undefined;
    for (let i = found.length - 1; i >= 0; i--) {
      const s = found[i];
      if (!s.accepts(src, srcPort)) continue;
      if (s.localIp === ip) return s;
      if (s.localIp === 0 && wildcard === undefined) wildcard = s;
    }
    return wildcard;
  }

  /**
   * A datagram to a multicast group: every socket on its port bound to the wildcard or to the group, that
   * accepts the sender, queues it. False when one of them had no room (the caller counts it).
   */
  deliverGroup(pkt: Packet): boolean {
    const found = this.byPort.get(pkt.dstPort);
    if (found === undefined) return true;
    if (!Array.isArray(found)) {
      return (found.localIp !== 0 && found.localIp !== pkt.dst) || !found.accepts(pkt.src, pkt.srcPort) || found.enqueue(pkt);
    }
    let ok = true;
    for (const s of found) {
      if ((s.localIp === 0 || s.localIp === pkt.dst) && s.accepts(pkt.src, pkt.srcPort) && !s.enqueue(pkt)) ok = false;
    }
    return ok;
  }

  /** The socket bound to local port, for ICMP errors about what it sent. */
  owner(ip: Ipv4, port: number): VSocket | undefined {
    const found = this.byPort.get(port);
    if (found === undefined || !Array.isArray(found)) return found;
    return found.find((s) => s.localIp === 0 || s.localIp === ip);
  }

  get size(): number {
    let n = 0;
    for (const v of this.byPort.values()) n += Array.isArray(v) ? v.length : 1;
    return n;
  }

  sockets(): VSocket[] {
    return [...this.byPort.values()].flat();
  }

  private bindEphemeral(s: VSocket, ip: Ipv4): number {
    const span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
    for (let i = 0; i < span; i++) {
      const port = this.cursor;
      this.cursor = port === EPHEMERAL_HIGH ? EPHEMERAL_LOW : port + 1;
      if (!this.byPort.has(port)) {
        this.byPort.set(port, s);
        return port;
      }
    }
    throw new VnetError('EADDRINUSE', `all ${span} ephemeral ports (${EPHEMERAL_LOW}-${EPHEMERAL_HIGH}) on ${ip === 0 ? 'this node' : formatIpv4(ip)} are in use; close some sockets`);
  }
}
