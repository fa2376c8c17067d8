// The gateway services running on a network's routers (NAT-PMP/PCP today), kept beside the Network
// rather than in it: the engine knows nothing of them. They follow the network's events: a removed
// router takes its service with it, a changed uplink address starts a new epoch and announces it.
import { invalid, notFound } from '../engine/errors.js';
import type { NetworkEvent } from '../engine/events.js';
import type { Network } from '../engine/network.js';
import { formatDurationOneUnit, parseDuration } from '../engine/units.js';
import { DEFAULT_MAX_LIFETIME_NS, NatPmpServer, type NatPmpServerInfo } from './natpmp/server.js';
import type { NatPmpServerOptions } from './natpmp/state.js';

/** A router's `natpmp` entry in a topology file (and `natpmp.enable`'s options): true for the defaults. */
export type NatPmpDoc = true | {
  pcp?: boolean;
  /** Longest lifetime granted (default 24h). */
  maxLifetime?: string | number;
  /** Internal ports clients may map: "LO-HI" or one port (default all). */
  allowPorts?: string;
  allowThirdParty?: boolean;
};

export class GatewayServices {
  private readonly natpmp = new Map<string, NatPmpServer>();
  private unlisten: (() => void) | null = null;

  constructor(private readonly net: Network) {}

  /** Starts (or restarts with new options: a new epoch) NAT-PMP, and PCP with `pcp`, on a NAT router. */
  enableNatPmp(routerName: string, doc: NatPmpDoc = true): NatPmpServerInfo {
    const router = this.net.router(routerName);
    if (router.parent === null) throw invalid(`${router.name} is the root router; enable NAT-PMP on a NAT router below it`);
    if (router.nat === null) throw invalid(`${router.name} has no NAT (nat: none); NAT-PMP maps ports of a NAT, give it one with \`vnet nat set ${router.name} --nat port-restricted\``);
    const options = natPmpOptions(doc);
    this.natpmp.get(routerName)?.close();
    const server = new NatPmpServer(router, options);
    this.natpmp.set(routerName, server);
    this.unlisten ??= this.net.on((e) => this.follow(e));
    this.net.emit({ type: 'service-enabled', time: this.net.now(), router: routerName, service: options.pcp ? 'natpmp+pcp' : 'natpmp' });
    return server.info();
  }

  disableNatPmp(routerName: string): NatPmpServerInfo {
    const server = this.server(routerName);
    server.close();
    this.natpmp.delete(routerName);
    this.net.emit({ type: 'service-disabled', time: this.net.now(), router: routerName, service: 'natpmp' });
    return server.info();
  }

  /** A gateway reboot: the router's NAT table and the epoch are lost, announcements go out. */
  resetNatPmp(routerName: string): NatPmpServerInfo {
    const server = this.server(routerName);
    server.reset();
    this.net.emit({ type: 'service-reset', time: this.net.now(), router: routerName, service: 'natpmp' });
    return server.info();
  }

  natPmpServer(routerName: string): NatPmpServer | undefined {
    return this.natpmp.get(routerName);
  }

  server(routerName: string): NatPmpServer {
    this.net.router(routerName);
    const s = this.natpmp.get(routerName);
    if (s === undefined) throw notFound(`NAT-PMP is not enabled on ${routerName}; enable it with \`vnet natpmp enable ${routerName}\``);
    return s;
  }

  list(): NatPmpServerInfo[] {
    return [...this.natpmp.values()].map((s) => s.info());
  }

  /** The entry a topology file writes for the router's service, or undefined when none runs. */
  natPmpDoc(routerName: string): NatPmpDoc | undefined {
    const s = this.natpmp.get(routerName);
    return s === undefined ? undefined : natPmpDocOf(s.options);
  }

  close(): void {
    for (const s of this.natpmp.values()) s.close();
    this.natpmp.clear();
    this.unlisten?.();
    this.unlisten = null;
  }

  private follow(e: NetworkEvent): void {
    if (e.type === 'node-removed' && e.kind === 'router') {
      this.natpmp.get(e.name)?.close();
      this.natpmp.delete(e.name);
    } else if (e.type === 'uplink-changed') {
      this.natpmp.get(e.router)?.externalAddressChanged();
    }
  }
}

const registries = new WeakMap<Network, GatewayServices>();

/** The services of `net` (made on first use). */
export function gatewayServices(net: Network): GatewayServices {
  let s = registries.get(net);
  if (s === undefined) {
    s = new GatewayServices(net);
    registries.set(net, s);
  }
  return s;
}

/** A `natpmp` entry as server options; throws EINVAL naming the bad value. */
export function natPmpOptions(doc: NatPmpDoc): NatPmpServerOptions {
  if (doc === true) return {};
  const o: NatPmpServerOptions = {};
  if (doc.pcp !== undefined) o.pcp = doc.pcp;
  if (doc.allowThirdParty !== undefined) o.allowThirdParty = doc.allowThirdParty;
  if (doc.maxLifetime !== undefined) {
    const ns = parseDuration(doc.maxLifetime, 'max-lifetime');
    if (ns < 1e9 || ns % 1e9 !== 0) throw invalid(`max-lifetime ${formatDurationOneUnit(ns)} is not a whole number of seconds from 1s (NAT-PMP counts lifetimes in seconds)`);
    o.maxLifetimeNs = ns;
  }
  if (doc.allowPorts !== undefined) o.allowPorts = parsePortRange(doc.allowPorts);
  return o;
}

/** "1024-65535" or "5000" → [lo, hi]. */
export function parsePortRange(text: string): [number, number] {
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(text);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(lo >= 1 && hi <= 65535 && lo <= hi)) throw invalid(`allowed ports ${JSON.stringify(text)} are not a range LO-HI within 1-65535 (e.g. 1024-65535)`);
  return [lo, hi];
}

/** Every server option at its default. */
export function natPmpDefaults(): Required<NatPmpServerOptions> {
  return { pcp: false, maxLifetimeNs: DEFAULT_MAX_LIFETIME_NS, allowPorts: [1, 65535], allowThirdParty: false };
}

/** Server options as the file writes them: defaults left out, true when all are defaults. */
export function natPmpDocOf(o: Required<NatPmpServerOptions>): NatPmpDoc {
  const doc: Exclude<NatPmpDoc, true> = {};
  if (o.pcp) doc.pcp = true;
  if (o.maxLifetimeNs !== DEFAULT_MAX_LIFETIME_NS) doc.maxLifetime = formatDurationOneUnit(o.maxLifetimeNs);
  if (o.allowPorts[0] !== 1 || o.allowPorts[1] !== 65535) doc.allowPorts = o.allowPorts[0] === o.allowPorts[1] ? String(o.allowPorts[0]) : `${o.allowPorts[0]}-${o.allowPorts[1]}`;
  if (o.allowThirdParty) doc.allowThirdParty = true;
  return Object.keys(doc).length === 0 ? true : doc;
}
