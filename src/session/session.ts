// A session: one network plus what the commands need around it (an event
// log, listeners, the method table the daemon serves and the REPL calls).
import { formatIpv4, isIpv4, parseIpv4 } from '../wire/addr.js';
import type { NetworkEvent } from '../engine/events.js';
import { invalid, VnetError } from '../engine/errors.js';
import type { FilterChange, FilterSpec } from '../engine/filters/spec.js';
import type { NatOptions } from '../engine/nat/config.js';
import { Network, type NatPreset } from '../engine/network.js';
import type { IcmpNotice } from '../engine/socket.js';
import { formatDuration, MAX_DURATION_NS, parseDuration } from '../engine/units.js';
import { eventView, hostView, lanView, routerView } from './views.js';
import { topologyApplyMethod, topologyExportMethod } from './topology.js';
import { CaptureManager } from '../capture/index.js';
import { SessionCaptures } from './captures.js';
import { RuntimeDirClaims } from './capture-claims.js';
import { processAlive, runtimeDir } from './runtime.js';
import { NetnsHosts } from '../netns/index.js';
import { serveDnsOnEveryRouter } from '../services/dns-server.js';
import { Bridge, type MapInfo, type ProxyInfo } from '../bridge/index.js';
import { bridgeMethods } from './bridge-methods.js';
import { stunMethods } from './stun-methods.js';
import { natPmpMethods } from './natpmp-methods.js';
import { gatewayServices } from '../services/registry.js';
import { multicastMethods } from './multicast-methods.js';
import { parseEndpoint } from '../bridge/endpoint.js';
import { checked, definedKeys, num, str } from './params.js';
import { checkParams } from './method-params.js';
import { addFilter, addHost, addLan, addName, addRouter, type LanParams } from './entry-methods.js';
import type { DnsDoc, FilterDoc, HostDoc, RouterDoc } from './topology-schema.js';
import { wallTimer, type WallTimer } from './wall-timer.js';
import { MAX_SEND_COUNT } from './limits.js';

export interface SessionOptions {
  clock?: 'virtual' | 'real';
  seed?: number;
  name?: string;
}

/** What a method gets besides its parameters: cancellation and a way to stream items. */
export interface CallContext {
  signal: AbortSignal;
  emit(item: unknown): void;
}

export type Method = (params: Record<string, unknown>, ctx: CallContext) => unknown;

/** The params of the methods that name one router or host. */
type Named = { name: string };

/** How many past events `vnet events` (without --follow) can show. */
export const EVENT_LOG_SIZE = 1000;

export class Session {
  readonly net: Network;
  readonly name: string;
  readonly clockKind: 'virtual' | 'real';
  readonly seed: number;
  readonly startedAt = new Date().toISOString();
  /** The last EVENT_LOG_SIZE events, oldest at eventLogStart once full (a ring: drops may come by the million). */
  private readonly eventLog: NetworkEvent[] = [];
  private eventLogStart = 0;
  private readonly followers = new Set<(e: NetworkEvent) => void>();
  readonly methods: Record<string, Method>;
  /** Packet captures of this session's interfaces (files, or streams to a caller). */
  readonly captures: SessionCaptures;
  /** Real programs bridged in: proxied servers and mapped clients (the only real sockets). */
  readonly bridge: Bridge;
  /** The namespaces and TUN devices of netns hosts (the only code that opens real devices). */
  readonly netns: NetnsHosts;

  constructor(options: SessionOptions = {}) {
    this.clockKind = options.clock ?? 'real';
    this.seed = options.seed ?? 1;
    this.name = options.name ?? 'default';
    this.net = new Network({ clock: this.clockKind, seed: this.seed });
    this.net.on((e) => {
      if (this.eventLog.length < EVENT_LOG_SIZE) this.eventLog.push(e);
      else {
        this.eventLog[this.eventLogStart] = e;
        this.eventLogStart = (this.eventLogStart + 1) % EVENT_LOG_SIZE;
      }
      for (const f of this.followers) f(e);
    });
    this.captures = new SessionCaptures(new CaptureManager(this.net, { claims: new RuntimeDirClaims(() => runtimeDir(), this.name) }));
    this.bridge = new Bridge(this.net);
    this.netns = new NetnsHosts({
      session: this.name, clock: this.clockKind, runtimeDir: () => runtimeDir(), alive: processAlive,
      log: (message) => this.net.emit({ type: 'error', time: this.net.now(), message }),
    });
    this.net.externalStacks = this.netns.attach;
    serveDnsOnEveryRouter(this.net);
    this.methods = {
      ...this.captures.methods(),
      ...bridgeMethods(this.bridge),
      ...stunMethods(this),
      ...natPmpMethods(this.net, this.clockKind),
      ...multicastMethods(this.net),
      status: () => this.status(),
      'router.add': checked((p: RouterDoc) => routerView(addRouter(this.net, p))),
      'router.ls': () => this.net.routers.map(routerView),
      'router.show': checked((p: Named) => routerView(this.net.router(p.name))),
      'router.rm': checked((p: Named) => this.removeNode(p.name, 'router')),
      'router.iface.add': checked((p: LanParams) => {
        const lan = addLan(this.net, p);
        return { router: p.router, ...lanView(this.net.router(p.router), lan) };
      }),
      'router.iface.rm': checked((p: { router: string; name: string }) => this.removeLan(p.router, p.name)),
      'host.add': checked((p: HostDoc) => hostView(addHost(this.net, p))),
      'host.ls': () => this.net.hosts.map(hostView),
      'host.show': checked((p: Named) => this.hostShow(p.name)),
      'host.rm': checked((p: Named) => this.removeNode(p.name, 'host')),
      'nat.show': checked((p: { router: string }) => this.natShow(p.router)),
      'nat.set': checked((p: { router: string; nat: NatPreset | NatOptions }) => {
        this.net.setNat(p.router, p.nat);
        return routerView(this.net.router(p.router));
      }),
      'dns.add': checked((p: DnsDoc) => addName(this.net, p)),
      'dns.ls': () => this.net.names(),
      'dns.rm': checked((p: { name: string; router?: string }) => ({ removed: this.net.removeName(p.name, p.router) })),
      'filter.add': checked((p: FilterDoc) => addFilter(this.net, p)),
      'filter.change': checked((p: FilterSpec & { id: number | string; unset?: (keyof FilterSpec)[] }) => {
        // What is given replaces, `unset` removes (null in the library's FilterChange), the rest stays.
        const { id, unset, ...spec } = p;
        const change: FilterChange = { ...spec };
        for (const key of unset ?? []) change[key] = null;
        return this.net.changeFilter(num({ id }, 'id'), change);
      }),
      'filter.ls': checked((p: { iface?: string }) => this.net.filters.list(p.iface)),
      'filter.rm': (p) => this.net.removeFilter(num(p, 'id')),
      'clock.show': () => this.clockShow(),
      'clock.advance': checked((p: { duration: string | number }) => {
        if (this.clockKind !== 'virtual') throw invalid('this session runs on the real clock; start it with `vnet up --clock virtual` to advance time by hand');
        this.net.advance(p.duration);
        return this.clockShow();
      }),
      events: checked((p: { follow?: boolean }, ctx) => this.events(Boolean(p.follow), ctx)),
      send: (p, ctx) => this.send(p, ctx),
      listen: (p, ctx) => this.listen(p, ctx),
      'topology.apply': (p) => topologyApplyMethod(this, p),
      'topology.export': (p) => topologyExportMethod(this, p),
    };
    const addMap = this.methods['map.add'];
    this.methods['map.add'] = (p, ctx) => {
      if (typeof p.host === 'string' && this.net.hostNamed(p.host)) this.engineStack(p.host, 'maps');
      return addMap(p, ctx);
    };
  }

  /**
   * Runs a method by name, after checking its params against the method's schema (method-params.ts);
   * keys whose value is undefined count as left out. Unknown names are an error naming the known ones.
   */
  call(method: string, params: unknown, ctx: CallContext): unknown {
    // Own keys only: "constructor" or "toString" are not methods.
    const m = Object.hasOwn(this.methods, method) ? this.methods[method] : undefined;
    if (typeof m !== 'function') throw new VnetError('ENOTFOUND', `unknown method "${method}"; known: ${Object.keys(this.methods).sort().join(', ')}`);
    const p = definedKeys(params);
    checkParams(method, p);
    return m(p, ctx);
  }

  status(): unknown {
    return {
      session: { name: this.name, clock: this.clockKind, seed: this.seed, startedAt: this.startedAt, timeNs: this.net.now() },
      routers: this.net.routers.map(routerView),
      hosts: this.net.hosts.map(hostView),
      filters: this.net.filters.list(),
      captures: this.captures.list(),
      proxies: this.bridge.listProxies(),
      maps: this.bridge.listMaps(),
      names: this.net.names(),
    };
  }

  /** A host's view; a netns host's adds what its TUN device counted. */
  private hostShow(name: string): unknown {
    const h = this.net.host(name);
    const tun = this.netns.stats(name);
    return tun === undefined ? hostView(h) : { ...hostView(h), tun };
  }

  /** Refuses a command that needs the engine's own stack on a netns host, whose packets go to its kernel. */
  private engineStack(name: string, what: string): ReturnType<Network['host']> {
    const h = this.net.host(name);
    if (h.netns) throw invalid(`host ${name} is a netns host: its packets go to the kernel in namespace ${h.stack?.name ?? '(none)'}, not to vnet ${what}; run a program there with \`vnet exec --host ${name} -- CMD\``);
    return h;
  }

  clockShow(): { kind: string; timeNs: number } {
    return { kind: this.clockKind, timeNs: this.net.now() };
  }

  natShow(router: string): unknown {
    const r = this.net.router(router);
    return { router: r.name, nat: routerView(r).nat, mappings: r.nat ? r.nat.list() : [] };
  }

  /** Stops and flushes every capture, then the network. */
  close(): void {
    this.captures.stopAll();
    void this.bridge.close();
    gatewayServices(this.net).close();
    this.followers.clear();
    this.net.close();
  }

  /** Removes a node (a router with everything below it); the maps and proxies on removed nodes go too (their real sockets close). */
  private removeNode(name: string, kind: 'router' | 'host'): { removed: string[]; maps: MapInfo[]; proxies: ProxyInfo[] } {
    if (kind === 'host') this.net.host(name);
    else this.net.router(name);
    const maps = this.bridge.listMaps();
    const proxies = this.bridge.listProxies();
    const removed = this.net.remove(name);
    const mapsLeft = new Set(this.bridge.listMaps().map((m) => m.id));
    const proxiesLeft = new Set(this.bridge.listProxies().map((p) => p.id));
    return { removed, maps: maps.filter((m) => !mapsLeft.has(m.id)), proxies: proxies.filter((p) => !proxiesLeft.has(p.id)) };
  }

  /** Removes a LAN interface with the nodes on it; the maps and proxies on removed nodes go too. */
  private removeLan(router: string, name: string): { iface: string; removed: string[]; maps: MapInfo[]; proxies: ProxyInfo[] } {
    const maps = this.bridge.listMaps();
    const proxies = this.bridge.listProxies();
    const removed = this.net.removeLan(router, name);
    const mapsLeft = new Set(this.bridge.listMaps().map((m) => m.id));
    const proxiesLeft = new Set(this.bridge.listProxies().map((p) => p.id));
    return { iface: `${router}/${name}`, removed, maps: maps.filter((m) => !mapsLeft.has(m.id)), proxies: proxies.filter((p) => !proxiesLeft.has(p.id)) };
  }

  private events(follow: boolean, ctx: CallContext): Promise<unknown> | unknown {
    const log = this.eventLog;
    for (let i = 0; i < log.length; i++) ctx.emit(eventView(log[(this.eventLogStart + i) % log.length]));
    if (!follow) return { count: this.eventLog.length };
    return new Promise((_resolve, reject) => {
      const f = (e: NetworkEvent) => ctx.emit(eventView(e));
      this.followers.add(f);
      // Ended only by an abort: Ctrl-C (the caller expects that), or the session stopping (ESTALE, exit 3).
      ctx.signal.addEventListener('abort', () => {
        this.followers.delete(f);
        reject(ctx.signal.reason);
      }, { once: true });
    });
  }

  private send(p: Record<string, unknown>, ctx: CallContext): unknown {
    const host = this.engineStack(str(p, 'host'), 'send');
    const { host: destHost, port: destPort } = parseEndpoint(str(p, 'dest'), 'destination');
    const count = p.count === undefined ? 1 : num(p, 'count');
    if (!Number.isInteger(count) || count < 1 || count > MAX_SEND_COUNT) {
      throw invalid(`count ${count} is not a whole number from 1 to ${MAX_SEND_COUNT}; send more in several runs`);
    }
    const intervalNs = p.interval === undefined ? 0 : parseDuration(p.interval as string, 'interval');
    const startNs = this.net.now();
    if (!(startNs + intervalNs * count <= MAX_DURATION_NS)) {
      throw invalid(`${count} datagrams ${formatDuration(intervalNs)} apart would end past the latest time the clock counts (about 104 days); send fewer or closer together`);
    }
    const waitMs = p.waitMs === undefined ? undefined : num(p, 'waitMs');
    const expect = p.replies === undefined ? Infinity : num(p, 'replies');
    const data = payloadOf(p);
    const sock = host.createSocket('udp4');
    sock.bindNow(p.fromPort === undefined ? 0 : num(p, 'fromPort'));
    const dstIp = isIpv4(destHost) ? parseIpv4(destHost) : host.resolve(destHost);
    if (p.ttl !== undefined) {
      if (dstIp >>> 28 === 14) sock.setMulticastTTL(num(p, 'ttl'));
      else sock.setTTL(num(p, 'ttl'));
    }
    const dstAddr = formatIpv4(dstIp);
    const to = `${dstAddr}:${destPort}`;
    const from = `${formatIpv4(host.sourceFor(dstIp))}:${sock.address().port}`;
    const result = { from, to, size: data.length, count, pending: count - 1 };
    // One pending task at a time: each datagram schedules the next, so a large --count costs no memory up front.
    let sent = 0;
    let lastSentNs = startNs;
    const sendOne = (): void => {
      if (sock.closed) return;
      const err = sock.sendBytes(data, destPort, dstAddr);
      if (err) throw err;
      sent++;
      lastSentNs = this.net.now();
      if (sent < count) this.net.scheduler.at(startNs + intervalNs * sent, sendOne);
      else if (waitMs === undefined) {
        this.net.scheduler.after(intervalNs, () => {
          if (!sock.closed) sock.close();
        });
      }
    };
    if (waitMs === undefined) {
      sendOne();
      return result;
    }
    // --wait: like `nc -u -w`, print what comes back to this socket for a while (wall time), each
    // reply with its round-trip time from the latest datagram sent; an ICMP error ends the wait.
    // Listening starts before the first send: without delays the answer comes back within it.
    let replies = 0;
    let icmpErrors = 0;
    let ended = false;
    let end = (): void => {
      ended = true;
    };
    sock.on('message', (msg: Buffer, rinfo: { address: string; port: number; size: number }) => {
      replies++;
      const now = this.net.now();
      ctx.emit({ from: `${rinfo.address}:${rinfo.port}`, to: from, size: rinfo.size, data: printable(msg), hex: msg.toString('hex'), timeNs: now, rttNs: now - lastSentNs });
      if (replies >= expect) end();
    });
    sock.on('icmp', (n: IcmpNotice) => {
      icmpErrors++;
      const now = this.net.now();
      ctx.emit({ icmp: icmpErrorName(n.type, n.code), type: n.type, code: n.code, from: n.from, to: `${n.remote.address}:${n.remote.port}`, ...(n.mtu !== undefined ? { mtu: n.mtu } : {}), timeNs: now, rttNs: now - lastSentNs });
      end();
    });
    sendOne();
    return new Promise((resolve) => {
      const finish = (): void => {
        timer.clear();
        if (!sock.closed) sock.close();
        resolve({ ...result, replies, icmpErrors });
      };
      const timer = wallTimer(waitMs, finish);
      ctx.signal.addEventListener('abort', finish, { once: true });
      if (ended) finish();
      else end = finish;
    });
  }

  private listen(p: Record<string, unknown>, ctx: CallContext): Promise<unknown> {
    const host = this.engineStack(str(p, 'host'), 'listen');
    const port = num(p, 'port');
    const count = p.count === undefined ? Infinity : num(p, 'count');
    const timeoutMs = p.timeoutMs === undefined ? undefined : num(p, 'timeoutMs');
    const echo = Boolean(p.echo);
    const sock = host.udpBind(port, p.address as string | undefined);
    for (const g of groupsOf(p.group)) {
      try {
        sock.addMembership(g);
      } catch (err) {
        sock.close();
        throw err;
      }
    }
    const bound = sock.address().address;
    const to = bound === '0.0.0.0' ? formatIpv4(host.addresses[0]) : bound;
    let received = 0;
    ctx.emit({ listening: `${to}:${port}` });
    return new Promise((resolve, reject) => {
      let timer: WallTimer | undefined;
      const finish = (timedOut: boolean, abortedBy?: unknown): void => {
        timer?.clear();
        if (!sock.closed) sock.close();
        // An abort (Ctrl-C, or the session stopping: ESTALE, exit 3) is not a finished listen.
        if (abortedBy !== undefined) reject(abortedBy);
        else resolve({ received, timedOut });
      };
      sock.on('message', (msg: Buffer, rinfo: { address: string; port: number; size: number }) => {
        received++;
        ctx.emit({ from: `${rinfo.address}:${rinfo.port}`, to: `${to}:${port}`, size: rinfo.size, data: printable(msg), hex: msg.toString('hex'), timeNs: this.net.now() });
        if (echo) sock.send(msg, rinfo.port, rinfo.address);
        if (received >= count) finish(false);
      });
      // --timeout is wall time (the command must end even when a virtual clock stands still).
      if (timeoutMs !== undefined) timer = wallTimer(timeoutMs, () => finish(true));
      ctx.signal.addEventListener('abort', () => finish(false, ctx.signal.reason ?? new DOMException('aborted', 'AbortError')), { once: true });
    });
  }
}

/** What an ICMP error about a sent datagram says, as nc and ping name it. */
function icmpErrorName(type: number, code: number): string {
  if (type === 11) return 'time exceeded';
  if (type !== 3) return `ICMP type ${type} code ${code}`;
  const names: Record<number, string> = {
    0: 'network unreachable', 1: 'host unreachable', 2: 'protocol unreachable', 3: 'port unreachable (connection refused)',
    4: 'fragmentation needed', 9: 'network prohibited', 10: 'host prohibited', 13: 'administratively prohibited',
  };
  return names[code] ?? `destination unreachable (code ${code})`;
}

/** `listen --group`: one group or several. */
function groupsOf(v: unknown): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
}

function payloadOf(p: Record<string, unknown>): Uint8Array {
  const given = ['data', 'hex', 'size'].filter((k) => p[k] !== undefined);
  if (given.length > 1) throw invalid(`give one of --data, --hex, --size, not ${given.join(' and ')}`);
  if (p.hex !== undefined) {
    const hex = String(p.hex).replace(/\s+/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw invalid(`--hex "${String(p.hex)}" is not an even number of hex digits`);
    return Buffer.from(hex, 'hex');
  }
  if (p.size !== undefined) {
    const n = Number(p.size);
    if (!Number.isInteger(n) || n < 0 || n > 65507) throw invalid(`--size ${String(p.size)} is not 0-65507 bytes`);
    return Buffer.alloc(n, 0x61);
  }
  return Buffer.from(p.data === undefined ? 'vnet' : String(p.data));
}

function printable(b: Buffer): string {
  const s = b.toString('utf8');
  return /^[\x20-\x7e\t\r\n\u00a0-\uffff]*$/.test(s) && !s.includes('\ufffd') ? s : `0x${b.toString('hex')}`;
}
