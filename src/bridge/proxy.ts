// A real UDP server inside the virtual network: one virtual socket at VIRTUAL_IP:PORT and, per
// virtual client (its address as the proxy sees it, after NAT), one real socket connected to the
// server, so the server sees distinct clients and a refused port is reported on that socket.
import { formatIpv4, parseIpv4, type Ipv4 } from '../wire/addr.js';
import { ICMP_DEST_UNREACHABLE, makeUdp, UNREACH_PORT } from '../wire/packet.js';
import type { NetNode } from '../engine/node.js';
import type { RemoteInfo, VSocket } from '../engine/socket.js';
import { closeReal, createRealSocket, errorLine, type RealSocket } from './real-socket.js';

export interface ProxyInfo {
  id: number;
  /** The real server, "127.0.0.1:PORT". */
  real: string;
  /** Where it appears inside the virtual network, "VIRTUAL_IP:PORT". */
  as: string;
  /** The virtual node holding VIRTUAL_IP. */
  host: string;
  /** Whether the bridge made that host (and removes it with the proxy). */
  createdHost: boolean;
  /** Virtual clients with a live real socket. */
  clients: number;
  packetsToReal: number;
  packetsFromReal: number;
  bytesToReal: number;
  bytesFromReal: number;
  /** Datagrams that could not be passed on, and real socket errors (a refused port, ...). */
  errors: number;
  lastError?: string;
}

export interface ProxySettings {
  id: number;
  node: NetNode;
  createdHost: boolean;
  real: { ip: Ipv4; port: number; text: string };
  virtual: { ip: Ipv4; port: number; text: string };
  socket: VSocket;
  idleTimeoutMs: number;
  maxClients: number;
}

/** Datagrams held per client while its real socket binds and connects. */
const MAX_PENDING = 256;

/** One virtual client's real socket. */
class ProxyClient {
  readonly sock: RealSocket;
  /** Datagrams held until the real socket is connected; null once it is (or the client is dropped). */
  pending: Buffer[] | null = [];
  lastActive = Date.now();
  /** The last datagram the client sent, quoted in the ICMP error if the server refuses it. */
  lastDatagram: Buffer | null = null;
  timer: NodeJS.Timeout | null = null;
  readonly ip: Ipv4;

  constructor(
    readonly key: string,
    /** The client's address as the virtual socket reported it (replies are sent back to it). */
    readonly address: string,
    readonly port: number,
    sock: RealSocket,
  ) {
    this.ip = parseIpv4(address);
    this.sock = sock;
  }
}

export class UdpProxy {
  readonly id: number;
  readonly node: NetNode;
  createdHost: boolean;
  readonly settings: ProxySettings;
  private readonly clients = new Map<string, ProxyClient>();
  private closed = false;
  private packetsToReal = 0;
  private packetsFromReal = 0;
  private bytesToReal = 0;
  private bytesFromReal = 0;
  private errors = 0;
  private lastError: string | undefined;
  /** Real sockets being closed (close() waits for them). */
  private readonly closing = new Set<Promise<void>>();

  constructor(s: ProxySettings) {
    this.settings = s;
    this.id = s.id;
    this.node = s.node;
    this.createdHost = s.createdHost;
    s.socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.fromVirtual(msg, rinfo));
  }

  info(): ProxyInfo {
    const s = this.settings;
    const info: ProxyInfo = {
      id: this.id, real: s.real.text, as: s.virtual.text, host: this.node.name, createdHost: this.createdHost,
      clients: this.clients.size, packetsToReal: this.packetsToReal, packetsFromReal: this.packetsFromReal,
      bytesToReal: this.bytesToReal, bytesFromReal: this.bytesFromReal, errors: this.errors,
    };
    if (this.lastError !== undefined) info.lastError = this.lastError;
    return info;
  }

  /** Closes the virtual socket and every real socket; resolves when the real ones are closed. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (!this.settings.socket.closed) this.settings.socket.close();
      for (const c of [...this.clients.values()]) this.dropClient(c);
    }
    return Promise.all([...this.closing]).then(() => undefined);
  }

  private fromVirtual(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    const key = `${rinfo.address}:${rinfo.port}`;
    let c = this.clients.get(key);
    if (c === undefined) {
      if (this.clients.size >= this.settings.maxClients) {
        return this.fail(`${this.settings.maxClients} virtual clients already have a real socket; datagram from ${key} dropped (raise maxClients or lower idleTimeoutMs)`);
      }
      c = this.openClient(key, rinfo);
    }
    c.lastActive = Date.now();
    c.lastDatagram = msg;
    if (c.pending !== null) {
      if (c.pending.length >= MAX_PENDING) return this.fail(`${MAX_PENDING} datagrams from ${key} wait for its real socket to connect; one dropped`);
      c.pending.push(msg);
      return;
    }
    this.toReal(c, msg);
  }

  private toReal(c: ProxyClient, msg: Buffer): void {
    this.packetsToReal++;
    this.bytesToReal += msg.length;
    // No callback: a send error comes as the socket's 'error' event (cheaper per datagram).
    c.sock.send(msg);
  }

  private openClient(key: string, rinfo: RemoteInfo): ProxyClient {
    const { real } = this.settings;
    const sock = createRealSocket((err) => this.realError(c, err));
    const c = new ProxyClient(key, rinfo.address, rinfo.port, sock);
    this.clients.set(key, c);
    sock.on('message', (msg: Buffer) => this.fromReal(c, msg));
    sock.bind(0, '127.0.0.1', () => {
      if (this.clients.get(key) !== c) return;
      sock.connect(real.port, formatIpv4(real.ip), () => {
        if (this.clients.get(key) !== c) return;
        const queued = c.pending!;
        c.pending = null;
        for (const m of queued) this.toReal(c, m);
      });
    });
    this.armIdle(c, this.settings.idleTimeoutMs);
    return c;
  }

  private fromReal(c: ProxyClient, msg: Buffer): void {
    if (this.closed) return;
    c.lastActive = Date.now();
    this.packetsFromReal++;
    this.bytesFromReal += msg.length;
    const err = this.settings.socket.sendBytes(msg, c.port, c.address);
    if (err) this.fail(`reply for ${c.key} from ${this.settings.real.text} not sent into the virtual network: ${err.message}`);
  }

  /** A refused port (ECONNREFUSED) is answered inside the virtual network with ICMP port unreachable. */
  private realError(c: ProxyClient, err: NodeJS.ErrnoException): void {
    this.fail(`real server ${this.settings.real.text} for ${c.key}: ${errorLine(err)}`);
    if (err.code !== 'ECONNREFUSED' || this.closed || c.lastDatagram === null || !this.node.alive) return;
    const v = this.settings.virtual;
    const offending = makeUdp(c.ip, c.port, v.ip, v.port, c.lastDatagram);
    this.node.sendError(offending, ICMP_DEST_UNREACHABLE, UNREACH_PORT, 0, v.ip);
  }

  private fail(message: string): void {
    this.errors++;
    this.lastError = message;
  }

  /** Wall-time idle check: one unref'd timer per client, re-armed for what is left when it saw traffic. */
  private armIdle(c: ProxyClient, ms: number): void {
    c.timer = setTimeout(() => {
      c.timer = null;
      const left = c.lastActive + this.settings.idleTimeoutMs - Date.now();
      if (left > 0) this.armIdle(c, left);
      else this.dropClient(c);
    }, ms);
    c.timer.unref();
  }

  private dropClient(c: ProxyClient): void {
    if (this.clients.get(c.key) === c) this.clients.delete(c.key);
    if (c.timer) clearTimeout(c.timer);
    c.timer = null;
    c.pending = null;
    const done: Promise<void> = closeReal(c.sock).then(() => {
      this.closing.delete(done);
    });
    this.closing.add(done);
  }
}
