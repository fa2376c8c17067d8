// The STUN servers of one network, by name: each is a host of its own on a router's LAN (one or
// two addresses) running a StunServer. Removing the host (`host rm`, or its router) removes the server.
import { formatIpv4, parseIpv4 } from '../wire/addr.js';
import { invalid, notFound } from '../engine/errors.js';
import type { Network } from '../engine/network.js';
import { quoteInput } from '../wire/user-input.js';
import { STUN_ALT_PORT, STUN_PORT, StunServer } from './stun-server.js';

/** A STUN server entry: what `stun.add` takes and a topology file's `stun:` holds. */
export interface StunDoc {
  name: string;
  router: string;
  ip: string;
  altIp?: string;
  port?: number;
  altPort?: number;
}

/** What `stun ls` shows of one server. */
export interface StunView {
  name: string;
  router: string;
  ip: string;
  altIp: string | null;
  port: number;
  altPort: number | null;
  /** Two addresses and two ports: answers RFC 5780's tests. */
  rfc5780: boolean;
  endpoints: string[];
  answered: number;
  errors: number;
  ignored: number;
}

export class StunServers {
  private readonly net: Network;
  private readonly servers = new Map<string, StunServer>();

  constructor(net: Network) {
    this.net = net;
    net.on((e) => {
      if (e.type === 'node-removed' && e.kind === 'host') this.servers.delete(e.name);
    });
  }

  /** Adds the host NAME on ROUTER with the address(es) given, and the server on it. */
  add(doc: StunDoc): StunView {
    const port = doc.port ?? STUN_PORT;
    const altPort = doc.altPort ?? STUN_ALT_PORT;
    if (doc.altIp === undefined && doc.altPort !== undefined) {
      throw invalid(`--alt-port ${doc.altPort} needs --alt-ip: RFC 5780's alternate port is served on two addresses; add --alt-ip IP or drop --alt-port`);
    }
    if (doc.altIp !== undefined && port === altPort) throw invalid(`port and alt-port are both ${port}; RFC 5780 needs two different ports (e.g. 3478 and 3479)`);
    const ip = address(doc.ip, 'ip');
    const altIp = doc.altIp === undefined ? undefined : address(doc.altIp, 'alt-ip');
    if (altIp === ip) throw invalid(`ip and alt-ip are both ${formatIpv4(ip)}; RFC 5780 needs two different addresses`);
    const host = this.net.addHost({ name: doc.name, router: doc.router, ips: altIp === undefined ? [formatIpv4(ip)] : [formatIpv4(ip), formatIpv4(altIp)] });
    let server: StunServer;
    try {
      server = new StunServer(host, { ip, altIp, port, altPort });
    } catch (err) {
      this.net.remove(host.name);
      throw err;
    }
    this.servers.set(doc.name, server);
    return viewOf(server);
  }

  /** Removes the server and its host. */
  remove(name: string): { removed: string } {
    this.get(name);
    this.net.remove(name);
    return { removed: name };
  }

  get(name: string): StunServer {
    const s = this.servers.get(name);
    if (s === undefined) throw notFound(`no STUN server named ${quoteInput(name)}; STUN servers: ${[...this.servers.keys()].join(', ') || '(none; add one with `vnet stun add`)'}`);
    return s;
  }

  has(name: string): boolean {
    return this.servers.has(name);
  }

  list(): StunView[] {
    return [...this.servers.values()].map(viewOf);
  }

  /** The entries as a topology file writes them (defaults left out). */
  docs(): StunDoc[] {
    return [...this.servers.values()].map(docOf);
  }
}

const registries = new WeakMap<Network, StunServers>();

/** The STUN servers of `net` (made on first use). */
export function stunServers(net: Network): StunServers {
  let r = registries.get(net);
  if (r === undefined) {
    r = new StunServers(net);
    registries.set(net, r);
  }
  return r;
}

/** The STUN servers of `net` if any were ever added (export and apply need not make a registry). */
export function stunServersIfAny(net: Network): StunServers | undefined {
  return registries.get(net);
}

function address(text: string, what: string): number {
  try {
    return parseIpv4(text);
  } catch {
    throw invalid(`${what} ${quoteInput(text)} is not an IPv4 address`);
  }
}

export function docOf(s: StunServer): StunDoc {
  const c = s.config;
  const doc: StunDoc = { name: s.host.name, router: s.host.routerName, ip: formatIpv4(c.ip) };
  if (c.altIp !== undefined) doc.altIp = formatIpv4(c.altIp);
  if (c.port !== STUN_PORT) doc.port = c.port;
  if (c.altIp !== undefined && c.altPort !== STUN_ALT_PORT) doc.altPort = c.altPort;
  return doc;
}

function viewOf(s: StunServer): StunView {
  const c = s.config;
  return {
    name: s.host.name, router: s.host.routerName, ip: formatIpv4(c.ip), altIp: c.altIp === undefined ? null : formatIpv4(c.altIp),
    port: c.port, altPort: c.altIp === undefined ? null : c.altPort, rfc5780: s.full, endpoints: s.endpoints(), ...s.stats,
  };
}
