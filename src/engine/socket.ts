// UDP sockets on virtual nodes, shaped like node:dgram's Socket: bind, send,
// 'message' with rinfo, connect, close, address(). Errors are real errors with
// node's codes (EADDRINUSE, EMSGSIZE, ERR_SOCKET_DGRAM_NOT_RUNNING, ...).
import { EventEmitter } from 'node:events';
import { formatIpv4, isIpv4, parseIpv4, type Ipv4 } from '../wire/addr.js';
import { clonePacket, makeUdp, type Packet } from '../wire/packet.js';
import { VnetError } from './errors.js';
import type { Scheduler } from './scheduler.js';
import type { UdpPortTable } from './udp-ports.js';

export interface RemoteInfo {
  address: string;
  family: 'IPv4';
  port: number;
  size: number;
}

export interface AddressInfo {
  address: string;
  family: 'IPv4';
  port: number;
}

/** An ICMP error that came back for a datagram this socket sent (vnet extension: the 'icmp' event). */
export interface IcmpNotice {
  type: number;
  code: number;
  /** The router or host that sent the error. */
  from: string;
  /** Where the offending datagram was going. */
  remote: AddressInfo;
  /** For "fragmentation needed": the next-hop MTU. */
  mtu?: number;
}

export interface SocketOptions {
  type: 'udp4';
  reuseAddr?: boolean;
  recvBufferSize?: number;
}

/** What a socket needs from the node it lives on. */
export interface SocketHost {
  readonly name: string;
  readonly scheduler: Scheduler;
  readonly ports: UdpPortTable;
  hasAddress(ip: Ipv4): boolean;
  /** The source address for a datagram to dst from a socket bound to the wildcard. */
  sourceFor(dst: Ipv4): Ipv4;
  /** Resolves a name or dotted quad; throws VnetError ENOTFOUND. */
  resolve(name: string): Ipv4;
  /**
   * Sends a packet the node originates; returns an error (EMSGSIZE, ENETUNREACH) instead of throwing.
   * `pmtuWant`: the DF it carries is path-MTU discovery's ('want'), cleared when the datagram is fragmented.
   */
  output(pkt: Packet, pmtuWant?: boolean): VnetError | null;
  /** The path MTU toward `dst` (the link's, or what a "fragmentation needed" taught). */
  pathMtu(dst: Ipv4): number;
  /** Multicast: joins `group` for `member` on the interface holding `ifaceIp` (0: the default); false when already joined. */
  joinGroup?(member: object, group: Ipv4, ifaceIp: Ipv4): boolean;
  dropGroup?(member: object, group: Ipv4): boolean;
  dropGroups?(member: object): void;
  /** A copy of a group datagram this node sent, for its own members (IP_MULTICAST_LOOP). */
  loopGroup?(pkt: Packet): void;
}

/**
 * Path-MTU discovery per socket, as Linux's IP_MTU_DISCOVER: 'want' (the default) sets DF while the datagram
 * fits the path MTU and fragments locally above it; 'do' always sets DF (EMSGSIZE above the path MTU);
 * 'dont' never sets DF (fragments above the path MTU).
 */
export type MtuDiscover = 'want' | 'do' | 'dont';

/** Default receive buffer, like Linux's net.core.rmem_default; counted in payload bytes. */
export const DEFAULT_RECV_BUFFER = 212_992;
export { EPHEMERAL_HIGH, EPHEMERAL_LOW } from './udp-ports.js';

type SendCallback = (error: Error | null, bytes?: number) => void;
type MessageData = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

export class VSocket extends EventEmitter {
  readonly type = 'udp4';
  readonly reuseAddr: boolean;
  /** Datagrams dropped because the receive queue was full. */
  drops = 0;
  private readonly host: SocketHost;
  private state: 'new' | 'bound' | 'closed' = 'new';
  /** Bound address (0 = any) and port. */
  localIp: Ipv4 = 0;
  localPort = 0;
  private remoteIp = 0;
  private remotePort = 0;
  private connected = false;
  private recvBufferSize: number;
  private ttl = 64;
  /** IP_MULTICAST_TTL (node's default 1) and IP_MULTICAST_LOOP (default on). */
  private multicastTtl = 1;
  private multicastLoop = true;
  private mtuDiscover: MtuDiscover = 'want';
  private queue: Packet[] | null = null;
  private queuedBytes = 0;
  private drainArmed = false;
  private lastSrc = -1;
  private lastSrcText = '';
  private lastDstText = '';
  private lastDstIp = 0;

  constructor(host: SocketHost, options: SocketOptions) {
    super();
    if (options.type !== 'udp4') {
      throw new VnetError('EINVAL', `socket type "${options.type as string}" is not supported; vnet emulates IPv4, use 'udp4'`);
    }
    this.host = host;
    this.reuseAddr = options.reuseAddr ?? false;
    this.recvBufferSize = options.recvBufferSize ?? DEFAULT_RECV_BUFFER;
  }

  /** node:dgram style: bind(port?, address?, callback?) or bind({ port, address }, callback?). Errors are emitted as 'error'. */
  bind(portOrOptions?: number | { port?: number; address?: string }, addressOrCb?: string | (() => void), cb?: () => void): this {
    let port: number | undefined;
    let address: string | undefined;
    let callback: (() => void) | undefined;
    if (typeof portOrOptions === 'object') {
      port = portOrOptions.port;
      address = portOrOptions.address;
      callback = typeof addressOrCb === 'function' ? addressOrCb : cb;
    } else {
      port = portOrOptions;
      if (typeof addressOrCb === 'function') callback = addressOrCb;
      else {
        address = addressOrCb;
        callback = cb;
      }
    }
    try {
      this.bindNow(port ?? 0, address);
    } catch (err) {
      this.later(() => this.emit('error', err));
      return this;
    }
    if (callback) this.once('listening', callback);
    this.later(() => this.emit('listening'));
    return this;
  }

  /** Binds at once and throws on failure (vnet extension; handy in tests and scripts). */
  bindNow(port = 0, address?: string): this {
    if (this.state === 'closed') throw notRunning();
    if (this.state === 'bound') throw new VnetError('ERR_SOCKET_ALREADY_BOUND', `socket on ${this.host.name} is already bound to port ${this.localPort}`);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new VnetError('ERR_SOCKET_BAD_PORT', `port ${port} is not 0-65535`);
    }
    const ip = address === undefined || address === '' || address === '0.0.0.0' ? 0 : this.addressOf(address);
    // A multicast address may be bound (the socket then takes only that group's datagrams), as on Linux.
    if (ip !== 0 && ip >>> 28 !== 14 && !this.host.hasAddress(ip)) {
      throw new VnetError('EADDRNOTAVAIL', `${formatIpv4(ip)} is not an address of ${this.host.name}; bind to one of its addresses or 0.0.0.0`);
    }
    this.localPort = this.host.ports.bind(this, ip, port);
    this.localIp = ip;
    this.state = 'bound';
    return this;
  }

  /** node:dgram style send: send(msg, [offset, length,] [port, [address,]] [callback]). Errors go to the callback or 'error'. */
  send(msg: MessageData, port?: number, address?: string, callback?: SendCallback): void;
  send(msg: MessageData, port: number, callback: SendCallback): void;
  send(msg: MessageData, offset: number, length: number, port?: number, address?: string, callback?: SendCallback): void;
  send(msg: MessageData, callback: SendCallback): void;
  send(msg: MessageData, ...rest: unknown[]): void {
    let data = toBytes(msg);
    let i = 0;
    if (typeof rest[0] === 'number' && typeof rest[1] === 'number' && (typeof rest[2] === 'number' || this.connected)) {
      const offset = rest[0];
      const length = rest[1];
      data = data.subarray(offset, offset + length);
      i = 2;
    }
    let port: number | undefined;
    let address: string | undefined;
    if (typeof rest[i] === 'number') {
      port = rest[i++] as number;
      if (typeof rest[i] === 'string') address = rest[i++] as string;
      else if (rest[i] === undefined && typeof rest[i + 1] === 'function') i++;
    }
    const cb = typeof rest[i] === 'function' ? (rest[i] as SendCallback) : undefined;
    const err = this.sendBytes(data, port, address);
    if (err) {
      if (cb) this.later(() => cb(err));
      else this.later(() => this.emit('error', err));
    } else if (cb) {
      const n = data.length;
      this.later(() => cb(null, n));
    }
  }

  /** Sends at once and returns the error instead of emitting it (vnet extension). The bytes are copied. */
  sendBytes(data: Uint8Array, port?: number, address?: string): VnetError | null {
    if (this.state === 'closed') return notRunning();
    let dstIp: Ipv4;
    let dstPort: number;
    if (this.connected) {
      if (port !== undefined) return new VnetError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'socket is connected; send without a port and address, or disconnect() first');
      dstIp = this.remoteIp;
      dstPort = this.remotePort;
    } else {
      if (port === undefined) return new VnetError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'socket is not connected; give a port and address');
      if (!Number.isInteger(port) || port < 1 || port > 65535) return new VnetError('ERR_SOCKET_BAD_PORT', `port ${port} is not 1-65535`);
      try {
        dstIp = this.addressOf(address ?? '127.0.0.1');
      } catch (err) {
        return err as VnetError;
      }
      dstPort = port;
    }
    if (this.state === 'new') {
      try {
        this.bindNow(0);
      } catch (err) {
        return err as VnetError;
      }
      this.later(() => this.emit('listening'));
    }
    const src = this.localIp !== 0 ? this.localIp : this.host.sourceFor(dstIp);
    // Copy: node's send lets the caller reuse its buffer at once. A pooled Buffer is the cheapest copy.
    const copy = Buffer.allocUnsafe(data.length);
    copy.set(data);
    const group = dstIp >>> 28 === 14;
    const pkt = makeUdp(src, this.localPort, dstIp, dstPort, copy, group ? this.multicastTtl : this.ttl);
    const mode = this.mtuDiscover;
    pkt.df = mode !== 'dont';
    const loop = group && this.multicastLoop && this.host.loopGroup !== undefined ? clonePacket(pkt) : null;
    const err = this.host.output(pkt, mode === 'want');
    if (err === null && loop !== null) this.host.loopGroup!(loop);
    return err;
  }

  /** node:dgram's addMembership: this socket joins `multicastAddress` (on the interface with address `multicastInterface`). */
  addMembership(multicastAddress: string, multicastInterface?: string): void {
    if (this.state === 'closed') throw notRunning();
    const group = this.groupOf(multicastAddress, 'addMembership');
    const ifaceIp = this.interfaceOf(multicastInterface);
    if (this.host.joinGroup === undefined) throw new VnetError('EINVAL', `${this.host.name} cannot join multicast groups`);
    if (!this.host.joinGroup(this, group, ifaceIp)) {
      throw new VnetError('EADDRINUSE', `this socket already joined ${multicastAddress}; dropMembership first to join again`);
    }
  }

  /** node:dgram's dropMembership. */
  dropMembership(multicastAddress: string, _multicastInterface?: string): void {
    if (this.state === 'closed') throw notRunning();
    const group = this.groupOf(multicastAddress, 'dropMembership');
    if (this.host.dropGroup === undefined || !this.host.dropGroup(this, group)) {
      throw new VnetError('EADDRNOTAVAIL', `this socket has not joined ${multicastAddress}; nothing to drop`);
    }
  }

  /** node:dgram's setMulticastTTL (0-255; default 1). */
  setMulticastTTL(ttl: number): number {
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) throw new VnetError('EINVAL', `multicast TTL ${ttl} is not 0-255`);
    this.multicastTtl = ttl;
    return ttl;
  }

  /** node:dgram's setMulticastLoopback: whether this node's own members get a copy of what it sends to a group (default true). */
  setMulticastLoopback(flag: boolean): boolean {
    this.multicastLoop = Boolean(flag);
    return flag;
  }

  private groupOf(text: string, what: string): Ipv4 {
    const ip = isIpv4(text) ? parseIpv4(text) : -1;
    if (ip < 0 || ip >>> 28 !== 14) throw new VnetError('EINVAL', `${what}: ${JSON.stringify(text)} is not a multicast address (224.0.0.0/4), e.g. 239.1.1.1`);
    return ip;
  }

  private interfaceOf(text: string | undefined): Ipv4 {
    if (text === undefined || text === '' || text === '0.0.0.0') return 0;
    const ip = isIpv4(text) ? parseIpv4(text) : -1;
    if (ip < 0 || !this.host.hasAddress(ip)) throw new VnetError('EADDRNOTAVAIL', `${JSON.stringify(text)} is not an address of ${this.host.name}; give one of its interface addresses`);
    return ip;
  }

  connect(port: number, address?: string | (() => void), cb?: () => void): void {
    const callback = typeof address === 'function' ? address : cb;
    const addr = typeof address === 'string' ? address : '127.0.0.1';
    if (this.connected) throw new VnetError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'socket is already connected; disconnect() first');
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new VnetError('ERR_SOCKET_BAD_PORT', `port ${port} is not 1-65535`);
    try {
      this.remoteIp = this.addressOf(addr);
      if (this.state === 'new') this.bindNow(0);
    } catch (err) {
      this.later(() => this.emit('error', err));
      return;
    }
    this.remotePort = port;
    this.connected = true;
    if (callback) this.once('connect', callback);
    this.later(() => this.emit('connect'));
  }

  disconnect(): void {
    if (!this.connected) throw new VnetError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'socket is not connected');
    this.connected = false;
    this.remoteIp = 0;
    this.remotePort = 0;
  }

  remoteAddress(): AddressInfo {
    if (!this.connected) throw new VnetError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'socket is not connected');
    return { address: formatIpv4(this.remoteIp), family: 'IPv4', port: this.remotePort };
  }

  address(): AddressInfo {
    if (this.state !== 'bound') throw notRunning();
    return { address: formatIpv4(this.localIp), family: 'IPv4', port: this.localPort };
  }

  close(cb?: () => void): this {
    if (this.state === 'closed') throw notRunning();
    if (this.state === 'bound') this.host.ports.unbind(this);
    this.host.dropGroups?.(this);
    this.state = 'closed';
    this.queue = null;
    this.queuedBytes = 0;
    if (cb) this.once('close', cb);
    this.later(() => this.emit('close'));
    return this;
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  setRecvBufferSize(size: number): void {
    if (!Number.isInteger(size) || size < 0) throw new VnetError('EINVAL', `receive buffer size ${size} must be a whole number of bytes`);
    this.recvBufferSize = size;
  }

  getRecvBufferSize(): number {
    return this.recvBufferSize;
  }

  setTTL(ttl: number): number {
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) throw new VnetError('EINVAL', `TTL ${ttl} is not 1-255`);
    this.ttl = ttl;
    return ttl;
  }

  /** Path-MTU discovery for what this socket sends (vnet extension; Linux's IP_MTU_DISCOVER, see MtuDiscover). */
  setMtuDiscover(mode: MtuDiscover): void {
    if (mode !== 'want' && mode !== 'do' && mode !== 'dont') {
      throw new VnetError('EINVAL', `path-MTU discovery mode ${JSON.stringify(mode)} is not one of want, do, dont`);
    }
    this.mtuDiscover = mode;
  }

  getMtuDiscover(): MtuDiscover {
    return this.mtuDiscover;
  }

  /** DF always (true: Linux's IP_PMTUDISC_DO) or never (false: IP_PMTUDISC_DONT); vnet extension. */
  setDontFragment(flag: boolean): void {
    this.mtuDiscover = flag ? 'do' : 'dont';
  }

  /** The path MTU toward the connected peer (Linux's IP_MTU; ENOTCONN when not connected). */
  getPathMtu(): number {
    if (!this.connected) throw new VnetError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'socket is not connected; getPathMtu() needs a peer: connect() first');
    return this.host.pathMtu(this.remoteIp);
  }

  /** The scheduler of the node this socket lives on (vnet extension: timers on the engine clock). */
  get scheduler(): Scheduler {
    return this.host.scheduler;
  }

  /** Accepted for node:dgram compatibility; virtual sockets never keep a process alive. */
  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  setBroadcast(_flag: boolean): void {}

  /** Whether a datagram from src:srcPort may reach this socket (a connected socket takes only its peer's). */
  accepts(src: Ipv4, srcPort: number): boolean {
    return !this.connected || (src === this.remoteIp && srcPort === this.remotePort);
  }

  /** Called by the node: queues a datagram; false when the receive buffer is full (the caller counts the drop). */
  enqueue(pkt: Packet): boolean {
    const size = pkt.payload.length;
    const q = (this.queue ??= []);
    if (this.queuedBytes + size > this.recvBufferSize && q.length > 0) {
      this.drops++;
      return false;
    }
    q.push(pkt);
    this.queuedBytes += size;
    if (!this.drainArmed) {
      this.drainArmed = true;
      this.host.scheduler.soon(drainSocket, this);
    }
    return true;
  }

  /** Called by the node for an ICMP error about a datagram this socket sent. */
  notifyIcmp(notice: IcmpNotice): void {
    if (this.state === 'closed' || this.listenerCount('icmp') === 0) return;
    this.later(() => this.emit('icmp', notice));
  }

  /** Emits 'message' for every queued datagram. */
  drain(): void {
    this.drainArmed = false;
    const q = this.queue;
    if (q === null || q.length === 0) return;
    this.queue = null;
    this.queuedBytes = 0;
    for (const pkt of q) {
      if (this.state === 'closed') return;
      const p = pkt.payload;
      const msg = p instanceof Buffer ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
      if (pkt.src !== this.lastSrc) {
        this.lastSrc = pkt.src;
        this.lastSrcText = formatIpv4(pkt.src);
      }
      this.emit('message', msg, { address: this.lastSrcText, family: 'IPv4', port: pkt.srcPort, size: p.byteLength });
    }
  }

  private addressOf(text: string): Ipv4 {
    if (text === this.lastDstText) return this.lastDstIp;
    const ip = text === 'localhost' ? 0x7f000001 : isIpv4(text) ? parseIpv4(text) : this.host.resolve(text);
    if (isIpv4(text)) {
      this.lastDstText = text;
      this.lastDstIp = ip;
    }
    return ip;
  }

  private later(fn: () => void): void {
    this.host.scheduler.soon(runFn, fn);
  }
}

function runFn(fn: () => void): void {
  fn();
}

function drainSocket(s: VSocket): void {
  s.drain();
}

function notRunning(): VnetError {
  return new VnetError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'socket is closed (or not bound yet); create a new socket');
}

function toBytes(msg: MessageData): Uint8Array {
  if (typeof msg === 'string') return Buffer.from(msg);
  if (msg instanceof Uint8Array) return msg;
  return Buffer.concat(msg.map((m) => (typeof m === 'string' ? Buffer.from(m) : m)));
}
