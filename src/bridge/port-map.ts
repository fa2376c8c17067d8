// A real client as a virtual host: a real socket on a local port; what a real program sends
// there leaves the virtual host from one virtual socket toward the remote, and what arrives at
// that virtual socket goes back to the real program's address (the last source seen).
import { formatIpv4, type Ipv4 } from '../wire/addr.js';
import type { Host } from '../engine/host.js';
import type { RemoteInfo, VSocket } from '../engine/socket.js';
import { closeReal, errorLine, type RealSocket } from './real-socket.js';

export interface MapInfo {
  id: number;
  /** The virtual host the real client becomes. */
  host: string;
  /** The real address actually bound, "127.0.0.1:PORT". */
  listen: string;
  /** Its port (the one chosen when port 0 was asked for). */
  listenPort: number;
  /** Where datagrams go inside the virtual network, as given ("DEST:PORT"). */
  remote: string;
  /** The port on the virtual host that the datagrams leave from. */
  virtualPort: number;
  /** The real program's address, learned from what it sends. */
  client: string | null;
  /** Datagrams real → virtual. */
  packetsIn: number;
  /** Datagrams virtual → real. */
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Datagrams not passed on: a reply before any client was seen, a send the virtual host refused. */
  drops: number;
  /** Errors on the real socket. */
  errors: number;
  lastError?: string;
}

export interface RemoteTarget {
  /** As given: "DEST:PORT", DEST an address or a name. */
  text: string;
  /** DEST resolved, as a dotted quad (what the virtual socket sends to). */
  address: string;
  port: number;
}

export interface MapSettings {
  id: number;
  host: Host;
  real: RealSocket;
  listen: { ip: Ipv4; port: number };
  socket: VSocket;
  remote: RemoteTarget;
}

export class PortMap {
  readonly id: number;
  readonly host: Host;
  private readonly real: RealSocket;
  private readonly listen: { ip: Ipv4; port: number };
  private readonly socket: VSocket;
  private remote: RemoteTarget;
  private client: { address: string; port: number } | null = null;
  private closed: Promise<void> | null = null;
  private packetsIn = 0;
  private packetsOut = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private drops = 0;
  private errors = 0;
  private lastError: string | undefined;

  constructor(s: MapSettings) {
    this.id = s.id;
    this.host = s.host;
    this.real = s.real;
    this.listen = s.listen;
    this.socket = s.socket;
    this.remote = s.remote;
    // The real socket's 'error' handler was attached when it was made (createRealSocket): it calls realError.
    this.real.on('message', (msg: Buffer, rinfo: { address: string; port: number }) => this.fromReal(msg, rinfo));
    this.socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.fromVirtual(msg, rinfo));
  }

  /** Points the map at another remote; the virtual socket (and so its NAT mapping) and the client stay. */
  setRemote(remote: RemoteTarget): void {
    this.remote = remote;
  }

  info(): MapInfo {
    const info: MapInfo = {
      id: this.id, host: this.host.name, listen: `${formatIpv4(this.listen.ip)}:${this.listen.port}`, listenPort: this.listen.port, remote: this.remote.text, virtualPort: this.socket.localPort,
      client: this.client ? `${this.client.address}:${this.client.port}` : null,
      packetsIn: this.packetsIn, packetsOut: this.packetsOut, bytesIn: this.bytesIn, bytesOut: this.bytesOut,
      drops: this.drops, errors: this.errors,
    };
    if (this.lastError !== undefined) info.lastError = this.lastError;
    return info;
  }

  close(): Promise<void> {
    if (this.closed === null) {
      if (!this.socket.closed) this.socket.close();
      this.closed = closeReal(this.real);
    }
    return this.closed;
  }

  private fromReal(msg: Buffer, rinfo: { address: string; port: number }): void {
    if (this.closed) return;
    if (this.client === null || this.client.port !== rinfo.port || this.client.address !== rinfo.address) {
      this.client = { address: rinfo.address, port: rinfo.port };
    }
    this.packetsIn++;
    this.bytesIn += msg.length;
    const err = this.socket.sendBytes(msg, this.remote.port, this.remote.address);
    if (err) {
      this.drops++;
      this.lastError = `datagram from ${rinfo.address}:${rinfo.port} not sent from ${this.host.name}: ${err.message}`;
    }
  }

  private fromVirtual(msg: Buffer, _rinfo: RemoteInfo): void {
    if (this.closed) return;
    const c = this.client;
    if (c === null) {
      this.drops++;
      return;
    }
    this.packetsOut++;
    this.bytesOut += msg.length;
    // No callback: a send error comes as the socket's 'error' event, counted by realError.
    this.real.send(msg, c.port, c.address);
  }

  /** Counts an error of the real socket. */
  realError(err: NodeJS.ErrnoException): void {
    this.errors++;
    this.lastError = `real socket ${this.listen}: ${errorLine(err)}`;
  }
}
