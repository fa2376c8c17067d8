// `nat probe`: RFC 5780's NAT behaviour discovery from a virtual host against a vnet STUN server
// with two addresses and two ports: mapping (§4.3), filtering (§4.4), hairpinning (§4.5, with the
// hole punched first so that filtering does not hide it), port preservation, and the binding
// lifetime (§4.6) by bisection on a virtual clock.
import type { Behavior } from '../engine/nat/config.js';
import { invalid, VnetError } from '../engine/errors.js';
import type { Host } from '../engine/host.js';
import type { Network } from '../engine/network.js';
import { NS_PER_S } from '../engine/units.js';
import { formatIpv4 } from '../wire/addr.js';
import { CHANGE_IP, CHANGE_PORT, changeRequestValue, readStunAddress, responsePortValue, StunAttr, type StunAttribute } from '../wire/stun.js';
import { endpointText, ProbeClock, ProbeSocket, sameEndpoint, type Endpoint, type Received } from './stun-client.js';
import type { StunServer } from './stun-server.js';

export interface ProbeTiming {
  /** First retransmission timeout (doubling after each send). */
  rtoNs: number;
  /** How long one test waits for an answer before it counts as none. */
  timeoutNs: number;
}

export interface LifetimeOptions {
  /** The longest binding lifetime looked for; longer ones are reported as null. */
  maxNs: number;
  /** Bisection stops when the bounds are this close (the answer is a multiple of it). */
  resolutionNs: number;
}

export const DEFAULT_PROBE_TIMING: ProbeTiming = { rtoNs: 100_000_000, timeoutNs: 700_000_000 };
export const DEFAULT_LIFETIME: LifetimeOptions = { maxNs: 2 * 3600 * NS_PER_S, resolutionNs: 1_000_000 };

/** One request of the probe, as the report lists it. */
export interface ProbeStep {
  test: 'T1' | 'Map-II' | 'Map-III' | 'Filt-T1' | 'Filt-II' | 'Filt-III' | 'Hairpin-T1';
  from: string;
  to: string;
  change?: 'ip+port' | 'port';
  /** Where the answer came from, or null when none came. */
  answeredFrom: string | null;
  mapped?: string;
}

export interface ProbeReport {
  host: string;
  stun: string;
  local: string;
  mapped: string;
  /** The mapped address differs from the local one. */
  nat: boolean;
  mapping: Behavior;
  filtering: Behavior;
  /** null: cannot be seen from one host when neither mapping nor filtering is endpoint-independent (unless filtering is address-dependent and ports are kept). */
  hairpin: boolean | null;
  /** The source a hairpinned packet arrived with: the sender's external mapping (RFC 4787 REQ-9a) or its internal address. */
  hairpinSource: 'external' | 'internal' | null;
  /** Every probe socket's first mapping kept its local port; null without NAT. */
  portPreservation: boolean | null;
  steps: ProbeStep[];
  /** Clock time the probe took (on a virtual clock, how far it moved the clock). */
  elapsedNs: number;
}

const probeRuns = new WeakMap<Network, number>();

const hairpinWait = (t: ProbeTiming): number => Math.min(t.timeoutNs, 2 * t.rtoNs);

/** Runs T1, Map-II/III, Filt-II/III, hairpin and port preservation from `host` against `server` (which needs two addresses). */
export async function probeBehaviour(net: Network, host: Host, server: StunServer, timing: ProbeTiming = DEFAULT_PROBE_TIMING): Promise<ProbeReport> {
  if (!server.full) {
    throw invalid(`STUN server ${server.host.name} has one address; RFC 5780's tests need two: add it again with --alt-ip IP (another address on ${server.host.routerName}'s subnet)`);
  }
  const clock = new ProbeClock(net);
  // A stream of its own per probe: a second probe gets fresh ports, not the first one's (their mappings may still live).
  const run = (probeRuns.get(net) ?? 0) + 1;
  probeRuns.set(net, run);
  const rng = net.rng.fork(`nat-probe:${host.name}:${run}`);
  const started = clock.now();
  const c = server.config;
  const at = (ip: number, port: number): Endpoint => ({ address: formatIpv4(ip), port });
  const a1p1 = at(c.ip, c.port);
  const steps: ProbeStep[] = [];
  const sockets: ProbeSocket[] = [];
  const open = (): ProbeSocket => {
    const s = new ProbeSocket(host, clock, rng);
    sockets.push(s);
    return s;
  };
  const ask = async (test: ProbeStep['test'], s: ProbeSocket, to: Endpoint, change = 0): Promise<Received | undefined> => {
    const attrs: StunAttribute[] = change ? [{ type: StunAttr.CHANGE_REQUEST, value: changeRequestValue(change) }] : [];
    const r = await s.transact(to, attrs, timing);
    const mapped = r && r.msg.cls === 'success' ? readStunAddress(r.msg, StunAttr.XOR_MAPPED_ADDRESS) : undefined;
    steps.push({
      test, from: endpointText(s.local), to: endpointText(to), ...(change ? { change: change & CHANGE_IP ? 'ip+port' : 'port' } as const : {}),
      answeredFrom: r ? endpointText(r.from) : null, ...(mapped ? { mapped: endpointText(mapped) } : {}),
    });
    return r;
  };
  const mappedBy = async (test: ProbeStep['test'], s: ProbeSocket, to: Endpoint): Promise<{ mapped: Endpoint; r: Received }> => {
    const r = await ask(test, s, to);
    if (r === undefined) {
      throw new VnetError('ETIMEDOUT', `${test}: no answer from STUN server ${server.host.name} at ${endpointText(to)} to ${host.name} within ${timing.timeoutNs / 1e6} ms; check the path (vnet send ${host.name} ${endpointText(to)} --wait 1s)`);
    }
    const mapped = r.msg.cls === 'success' ? readStunAddress(r.msg, StunAttr.XOR_MAPPED_ADDRESS) : undefined;
    if (mapped === undefined) throw new VnetError('EPROTO', `${test}: STUN server ${server.host.name} answered without XOR-MAPPED-ADDRESS`);
    return { mapped, r };
  };
  try {
    // Mapping (§4.3): one socket toward A1:P1, A2:P1, A2:P2.
    const a = open();
    const t1 = await mappedBy('T1', a, a1p1);
    const other = readStunAddress(t1.r.msg, StunAttr.OTHER_ADDRESS);
    if (other === undefined) throw new VnetError('EPROTO', `STUN server ${server.host.name} sent no OTHER-ADDRESS`);
    const m1 = t1.mapped;
    const nat = !sameEndpoint(m1, a.local);
    let mapping: Behavior = 'ei';
    const m2 = (await mappedBy('Map-II', a, { address: other.address, port: c.port })).mapped;
    if (!sameEndpoint(m2, m1)) {
      const m3 = (await mappedBy('Map-III', a, other)).mapped;
      mapping = sameEndpoint(m3, m2) ? 'ad' : 'apd';
    }
    // Filtering (§4.4): a socket that has talked only to A1:P1.
    const f = open();
    const mf = (await mappedBy('Filt-T1', f, a1p1)).mapped;
    let filtering: Behavior = 'ei';
    if ((await ask('Filt-II', f, a1p1, CHANGE_IP | CHANGE_PORT)) === undefined) {
      filtering = (await ask('Filt-III', f, a1p1, CHANGE_PORT)) === undefined ? 'apd' : 'ad';
    }
    // Hairpinning (§4.5): a second socket learns its mapping; each sends to the other's mapped
    // address in turn, so the second packet finds a filter the first one opened.
    const b = open();
    const mb = (await mappedBy('Hairpin-T1', b, a1p1)).mapped;
    let got: { by: ProbeSocket; r: Received; sender: ProbeSocket } | undefined;
    for (const [from, to, target] of [[a, b, mb], [b, a, m1], [a, b, mb]] as const) {
      from.sendRequest(target);
      await clock.until(() => to.requestFrom() !== undefined, clock.now() + hairpinWait(timing));
      const r = to.requestFrom();
      if (r !== undefined) {
        got = { by: to, r, sender: from };
        break;
      }
    }
    const firsts: [ProbeSocket, Endpoint][] = [[a, m1], [f, mf], [b, mb]];
    const portPreservation = nat ? firsts.every(([s, m]) => m.port === s.local.port) : null;
    // Without an endpoint-independent side the punch above cannot open the second filter. With
    // address-dependent filtering and ports kept it can: a fresh socket's first packet (to M1, its
    // mapping made as it hairpins) keeps its port and opens its filter to the NAT's own address, so a
    // packet from any of A's mappings to (external address, that port) is let in.
    const seen = mapping === 'ei' || filtering === 'ei' || (filtering === 'ad' && portPreservation === true);
    if (got === undefined && seen && mapping !== 'ei' && filtering !== 'ei') {
      const q = open();
      q.sendRequest(m1);
      await clock.sleep(hairpinWait(timing));
      a.sendRequest({ address: m1.address, port: q.local.port });
      await clock.until(() => q.requestFrom() !== undefined, clock.now() + hairpinWait(timing));
      const r = q.requestFrom();
      if (r !== undefined) got = { by: q, r, sender: a };
    }
    const hairpin = got !== undefined ? true : seen ? false : null;
    const hairpinSource = got === undefined ? null : sameEndpoint(got.r.from, got.sender.local) ? 'internal' : 'external';
    return {
      host: host.name, stun: server.host.name, local: endpointText(a.local), mapped: endpointText(m1), nat,
      mapping, filtering, hairpin, hairpinSource, portPreservation, steps, elapsedNs: clock.now() - started,
    };
  } finally {
    for (const s of sockets) s.close();
  }
}

/**
 * §4.6: how long a binding lives when idle. A socket X makes a binding toward A1:P1; T later a
 * socket Y asks A1:P1 to answer at X's mapped port (RESPONSE-PORT); an answer on X means the
 * binding was alive. T doubles from 1 s until an answer fails (or `maxNs`), then bisection to
 * `resolutionNs`. Needs a virtual clock (it waits hours of it); returns the shortest idle time
 * found to kill the binding, or null when it outlives maxNs.
 */
export async function probeLifetime(net: Network, host: Host, server: StunServer, timing: ProbeTiming = DEFAULT_PROBE_TIMING, o: LifetimeOptions = DEFAULT_LIFETIME): Promise<number | null> {
  const clock = new ProbeClock(net);
  if (!clock.virtual) throw new VnetError('EINVAL', 'the binding lifetime is measured on a virtual clock (it waits up to hours)');
  const rng = net.rng.fork(`nat-probe-lifetime:${host.name}`);
  const c = server.config;
  const a1p1: Endpoint = { address: formatIpv4(c.ip), port: c.port };
  const alive = async (idleNs: number): Promise<boolean> => {
    const x = new ProbeSocket(host, clock, rng);
    const y = new ProbeSocket(host, clock, rng);
    try {
      const t0 = clock.now();
      const r = await x.transact(a1p1, [], timing);
      const mapped = r && r.msg.cls === 'success' ? readStunAddress(r.msg, StunAttr.XOR_MAPPED_ADDRESS) : undefined;
      if (mapped === undefined) throw new VnetError('ETIMEDOUT', `lifetime test: no answer from STUN server ${server.host.name} at ${endpointText(a1p1)} to ${host.name}`);
      await clock.until(() => false, t0 + idleNs);
      return (await y.transact(a1p1, [{ type: StunAttr.RESPONSE_PORT, value: responsePortValue(mapped.port) }], timing, x)) !== undefined;
    } finally {
      x.close();
      y.close();
    }
  };
  const res = o.resolutionNs;
  let lo = 0;
  let hi: number | undefined;
  for (let t = Math.max(res, Math.round(NS_PER_S / res) * res); t < o.maxNs; t *= 2) {
    if (!(await alive(t))) {
      hi = t;
      break;
    }
    lo = t;
  }
  if (hi === undefined) {
    if (await alive(o.maxNs)) return null;
    hi = o.maxNs;
  }
  let dead: number = hi;
  while (dead - lo > res) {
    const mid: number = lo + Math.max(res, Math.floor((dead - lo) / 2 / res) * res);
    if (await alive(mid)) lo = mid;
    else dead = mid;
  }
  return dead;
}
