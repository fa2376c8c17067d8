// The bridge between the virtual network and real programs on this machine: proxies (a real
// UDP server appears at a virtual address) and maps (a real client sends as a virtual host).
// This is the only code in vnet that opens real sockets.
import { formatIpv4, isIpv4, parseIpv4, type Ipv4 } from '../wire/addr.js';
import { invalid, notFound, VnetError } from '../engine/errors.js';
import type { Host } from '../engine/host.js';
import type { Network } from '../engine/network.js';
import type { NetNode } from '../engine/node.js';
import { parseEndpoint, parseListen, parseRealServer, parseVirtual } from './endpoint.js';
import { PortMap, type MapInfo, type RemoteTarget } from './port-map.js';
import { UdpProxy, type ProxyInfo } from './proxy.js';
import { proxyNode } from './proxy-host.js';
import { bindReal, closeReal, createRealSocket } from './real-socket.js';
import { quoteInput } from '../wire/user-input.js';

export interface ProxyOptions {
  /** "127.0.0.1:PORT": a real UDP server (any 127.0.0.0/8 address). */
  real: string;
  /** "VIRTUAL_IP:PORT": where it appears inside the virtual network. */
  as: string;
  /** The router to put a new host on (default: the deepest router whose subnet holds VIRTUAL_IP). */
  router?: string;
  /** A client's real socket is closed after this much wall time without traffic (default 120000). */
  idleTimeoutMs?: number;
  /** At most this many virtual clients at once (default 1024); more are dropped and counted. */
  maxClients?: number;
}

export interface MapOptions {
  /** The virtual host the real client becomes. */
  host: string;
  /** "127.0.0.1:PORT" (any 127/8 address; PORT 0 = a free one); other addresses need allowRemote. */
  listen: string;
  /** "DEST:PORT": DEST an address or a name the host resolves. */
  remote: string;
  /** The virtual source port on the host (default: ephemeral). */
  port?: number;
  allowRemote?: boolean;
}

export type { ProxyInfo, MapInfo };

/** What `addProxy`/`addMap` return: the new bridge's info, and warnings (a virtual clock) when there are any. */
export type Added<T> = T & { warnings?: string[] };

/** Why a bridge on a virtual clock may never answer: real programs do not wait for `clock advance`. */
export const VIRTUAL_CLOCK_WARNING =
  'this network runs on a virtual clock: bridged datagrams that meet a delay, jitter or rate filter (or a router\'s min-delay) ' +
  'wait until the clock is advanced (`vnet clock advance`), so the real program gets no answer by itself; ' +
  'use a real-clock session (`vnet up --clock real`) for real programs';

const DEFAULT_IDLE_MS = 120_000;
const DEFAULT_MAX_CLIENTS = 1024;

export class Bridge {
  private readonly net: Network;
  private readonly proxies = new Map<number, UdpProxy>();
  private readonly maps = new Map<number, PortMap>();
  private nextProxyId = 1;
  private nextMapId = 1;
  private closing: Promise<void> | null = null;
  private readonly unsubscribe: () => void;

  /** Follows the network: a map or proxy goes when the node it lives on is removed (host rm, router rm). */
  constructor(net: Network) {
    this.net = net;
    this.unsubscribe = net.on((e) => {
      if (e.type === 'node-removed') this.dropBridgesOf(e.name);
    });
  }

  /** Validates, creates or reuses the virtual host, binds the virtual port. The real server need not be up. */
  async addProxy(opts: ProxyOptions): Promise<Added<ProxyInfo>> {
    this.checkOpen();
    const real = parseRealServer(opts.real);
    const virtual = parseVirtual(opts.as);
    const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_MS;
    if (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs <= 0) throw invalid(`idle timeout ${idleTimeoutMs} ms must be a positive number of milliseconds`);
    const maxClients = opts.maxClients ?? DEFAULT_MAX_CLIENTS;
    if (!Number.isInteger(maxClients) || maxClients < 1) throw invalid(`maxClients ${maxClients} must be a whole number, at least 1`);
    const { node, created } = proxyNode(this.net, virtual.ip, opts.router);
    let socket;
    try {
      socket = node.udpBind(virtual.port, formatIpv4(virtual.ip));
    } catch (err) {
      if (created) this.net.remove(node.name);
      if ((err as VnetError).code === 'EADDRINUSE') {
        throw new VnetError('EADDRINUSE', `${virtual.text} is already bound on ${node.name}; remove what uses it or pick another port`);
      }
      throw err;
    }
    const id = this.nextProxyId++;
    const proxy = new UdpProxy({ id, node, createdHost: created, real, virtual, socket, idleTimeoutMs, maxClients });
    this.proxies.set(id, proxy);
    return this.withWarnings(proxy.info());
  }

  listProxies(): ProxyInfo[] {
    return [...this.proxies.values()].map((p) => p.info());
  }

  /** Closes the proxy's sockets; a host it created goes too (unless another proxy or a map still uses it). */
  removeProxy(id: number): ProxyInfo {
    const p = this.proxies.get(id);
    if (!p) throw notFound(`no proxy with id ${id}; proxies: ${[...this.proxies.keys()].join(', ') || '(none)'}`);
    this.proxies.delete(id);
    void p.close();
    const info = p.info();
    if (p.createdHost) this.releaseNode(p.node);
    return info;
  }

  /** Binds the real socket now (port in use → EADDRINUSE) and a virtual socket on the host. */
  async addMap(opts: MapOptions): Promise<Added<MapInfo>> {
    this.checkOpen();
    const host = this.net.host(opts.host);
    const listen = parseListen(opts.listen, opts.allowRemote === true);
    const remote = this.resolveRemote(host, opts.remote);
    const port = opts.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalid(`virtual port ${port} is not 0-65535 (0 = ephemeral)`);
    const socket = host.udpBind(port);
    let map: PortMap | null = null;
    const real = createRealSocket((err) => map?.realError(err));
    let bound: number;
    try {
      bound = await bindReal(real, formatIpv4(listen.ip), listen.port, 'pick another listen port, or 0 for a free one');
    } catch (err) {
      if (!socket.closed) socket.close();
      await closeReal(real);
      throw err;
    }
    if (this.closing || !host.alive) {
      if (!socket.closed) socket.close();
      await closeReal(real);
      throw new VnetError('ENOTFOUND', `host ${host.name} or the bridge went away while ${listen.text} was being bound; add the map again`);
    }
    const id = this.nextMapId++;
    map = new PortMap({ id, host, real, listen: { ip: listen.ip, port: bound }, socket, remote });
    this.maps.set(id, map);
    return this.withWarnings(map.info());
  }

  /** Changes where a live map sends; its virtual socket (so its NAT mapping) and learned client stay. */
  setMapRemote(id: number, remote: string): MapInfo {
    const m = this.getMap(id);
    m.setRemote(this.resolveRemote(m.host, remote));
    return m.info();
  }

  listMaps(): MapInfo[] {
    return [...this.maps.values()].map((m) => m.info());
  }

  removeMap(id: number): MapInfo {
    const m = this.getMap(id);
    this.maps.delete(id);
    void m.close();
    return m.info();
  }

  /** Closes every proxy and map (removing the hosts proxies made); idempotent. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.unsubscribe();
      const waits: Promise<void>[] = [];
      for (const p of [...this.proxies.values()]) {
        this.removeProxy(p.id); // closes it, and removes a host it made
        waits.push(p.close()); // the same close, for its promise
      }
      for (const m of this.maps.values()) waits.push(m.close());
      this.maps.clear();
      this.closing = Promise.all(waits).then(() => undefined);
    }
    return this.closing;
  }

  /** Removes the maps and proxies living on node `name`, just removed from the network; their real sockets close. */
  private dropBridgesOf(name: string): void {
    for (const m of [...this.maps.values()]) if (m.host.name === name && !m.host.alive) this.removeMap(m.id);
    for (const p of [...this.proxies.values()]) if (p.node.name === name && !p.node.alive) this.removeProxy(p.id);
  }

  private withWarnings<T extends object>(info: T): Added<T> {
    return this.net.clock.kind === 'virtual' ? { ...info, warnings: [VIRTUAL_CLOCK_WARNING] } : info;
  }

  private getMap(id: number): PortMap {
    const m = this.maps.get(id);
    if (!m) throw notFound(`no map with id ${id}; maps: ${[...this.maps.keys()].join(', ') || '(none)'}`);
    return m;
  }

  private resolveRemote(host: Host, text: string): RemoteTarget {
    const e = parseEndpoint(text, 'remote');
    let ip: Ipv4;
    if (isIpv4(e.host)) ip = parseIpv4(e.host);
    else if (/^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9.])?$/.test(e.host)) ip = host.resolve(e.host);
    else throw invalid(`remote ${quoteInput(text)} does not start with an address or a name; write it like 198.51.100.7:53 or server.example:53`);
    return { text: `${e.host}:${e.port}`, address: formatIpv4(ip), port: e.port };
  }

  /** Removes a node a proxy created, unless another proxy (which then owns it) or a map still uses it. */
  private releaseNode(node: NetNode): void {
    const heir = [...this.proxies.values()].find((p) => p.node === node);
    if (heir) {
      heir.createdHost = true;
      return;
    }
    if ([...this.maps.values()].some((m) => m.host === node)) return;
    if (this.net.hostNamed(node.name) === node) this.net.remove(node.name);
  }

  private checkOpen(): void {
    if (this.closing) throw new VnetError('ESTALE', 'the bridge is closed; make a new Bridge for the network');
  }
}
