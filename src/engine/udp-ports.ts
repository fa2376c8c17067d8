// A node's UDP port table: which socket is bound where, lookups for incoming
// datagrams, and ephemeral port choice (49152-65535, like IANA's dynamic range).
import { formatIpv4, type Ipv4 } from '../wire/addr.js';
import { VnetError } from './errors.js';
import type { VSocket } from './socket.js';

export const EPHEMERAL_LOW = 49152;
export const EPHEMERAL_HIGH = 65535;

/** The UDP ports of one node: who is bound where, and ephemeral port choice. */
export class UdpPortTable {
  private readonly byPort = new Map<number, VSocket[]>();
  private cursor: number;

  constructor(start: number) {
    this.cursor = EPHEMERAL_LOW + (start % (EPHEMERAL_HIGH - EPHEMERAL_LOW + 1));
  }

  bind(s: VSocket, ip: Ipv4, port: number): number {
    if (port === 0) return this.bindEphemeral(s, ip);
    const list = this.byPort.get(port);
    if (list) {
      for (const o of list) {
        if ((o.localIp === 0 || ip === 0 || o.localIp === ip) && !(o.reuseAddr && s.reuseAddr)) {
          throw new VnetError('EADDRINUSE', `port ${port} on ${ip === 0 ? '0.0.0.0' : formatIpv4(ip)} is already in use; pick another port or close the other socket`);
        }
      }
      list.push(s);
    } else this.byPort.set(port, [s]);
    return port;
  }

  unbind(s: VSocket): void {
    const list = this.byPort.get(s.localPort);
    if (!list) return;
    const rest = list.filter((o) => o !== s);
    if (rest.length > 0) this.byPort.set(s.localPort, rest);
    else this.byPort.delete(s.localPort);
  }

  /** The socket that receives a datagram for ip:port from src:srcPort: exact address first, newest first, then the wildcard. */
  lookup(ip: Ipv4, port: number, src: Ipv4, srcPort: number): VSocket | undefined {
    const list = this.byPort.get(port);
    if (list === undefined) return undefined;
    if (list.length === 1) {
      const s = list[0];
      return (s.localIp === 0 || s.localIp === ip) && s.accepts(src, srcPort) ? s : undefined;
    }
    let wildcard: VSocket | undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i];
      if (!s.accepts(src, srcPort)) continue;
      if (s.localIp === ip) return s;
      if (s.localIp === 0 && wildcard === undefined) wildcard = s;
    }
    return wildcard;
  }

  /** The socket bound to local port, for ICMP errors about what it sent. */
  owner(ip: Ipv4, port: number): VSocket | undefined {
    const list = this.byPort.get(port);
    return list?.find((s) => s.localIp === 0 || s.localIp === ip);
  }

  get size(): number {
    let n = 0;
    for (const l of this.byPort.values()) n += l.length;
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
        this.byPort.set(port, [s]);
        return port;
      }
    }
    throw new VnetError('EADDRINUSE', `all ${span} ephemeral ports (${EPHEMERAL_LOW}-${EPHEMERAL_HIGH}) on ${ip === 0 ? 'this node' : formatIpv4(ip)} are in use; close some sockets`);
  }
}
