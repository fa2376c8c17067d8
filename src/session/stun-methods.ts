// The session's STUN methods: servers (stun.add, stun.ls, stun.rm) and the NAT probe (nat.probe),
// whose binding-lifetime bisection runs on a virtual-clock copy of the network so that neither a
// real-clock session waits minutes nor a virtual one has its clock moved by hours.
import { VnetError, invalid } from '../engine/errors.js';
import { NAT_PRESETS, type Behavior } from '../engine/nat/config.js';
import { Network } from '../engine/network.js';
import { formatDuration, parseDuration } from '../engine/units.js';
import { DEFAULT_LIFETIME, DEFAULT_PROBE_TIMING, probeBehaviour, probeLifetime, type ProbeReport } from '../services/nat-probe.js';
import { stunServers, type StunDoc } from '../services/stun-registry.js';
import { checked } from './params.js';
import type { Method, Session } from './session.js';
import { applyEntries } from './topology-entries.js';
import { exportTopology } from './topology-export.js';

/** What `nat probe` is told to expect; a preset stands for the behaviour it has as seen from outside. */
export interface ProbeExpectation {
  nat?: boolean;
  mapping?: Behavior;
  filtering?: Behavior;
  hairpin?: boolean;
  portPreservation?: boolean;
  /** Milliseconds or a duration; 'never' for a binding that does not expire. */
  lifetime?: string | number;
}

export interface NatProbeParams extends Omit<ProbeExpectation, 'nat'> {
  host: string;
  stun: string;
  expect?: ProbePreset;
  /** Leave the binding-lifetime test out. */
  skipLifetime?: boolean;
  /** How long each test waits for an answer (default 700ms; requests resent at 100 ms, 300 ms). */
  timeout?: string | number;
  /** The longest binding lifetime looked for (default 2h). */
  maxLifetime?: string | number;
}

export const PROBE_PRESETS = ['full-cone', 'restricted-cone', 'port-restricted', 'symmetric', '1to1', 'linux', 'linux-random', 'none'] as const;
export type ProbePreset = (typeof PROBE_PRESETS)[number];

/** A preset as the probe sees it from the host: Linux's per-flow state keeps the port (EIM) or picks one per flow (APDM). */
export function presetExpectation(p: ProbePreset): ProbeExpectation {
  switch (p) {
    case '1to1': return { nat: true, mapping: 'ei', filtering: 'ei', portPreservation: true };
    case 'linux': return { nat: true, mapping: 'ei', filtering: 'apd', portPreservation: true, hairpin: false };
    case 'linux-random': return { nat: true, mapping: 'apd', filtering: 'apd', portPreservation: false };
    case 'none': return { nat: false };
    default: return { nat: true, ...NAT_PRESETS[p] };
  }
}

export interface NatProbeResult extends ProbeReport {
  /** The binding lifetime found (ns), null when longer than the longest looked for or not measured. */
  lifetimeNs: number | null;
  lifetime: string;
  /** The legacy (RFC 3489) name of the mapping/filtering pair, when it has one. */
  legacy: string | null;
  expected: ProbeExpectation;
  /** One line per expectation the probe contradicts; the CLI exits 1 when any. */
  mismatches: string[];
}

export function stunMethods(session: Session): Record<string, Method> {
  const servers = (): ReturnType<typeof stunServers> => stunServers(session.net);
  return {
    'stun.add': checked((p: StunDoc) => servers().add(p)),
    'stun.ls': () => servers().list(),
    'stun.rm': checked((p: { name: string }) => servers().remove(p.name)),
    'nat.probe': checked((p: NatProbeParams) => natProbe(session, p)),
  };
}

async function natProbe(session: Session, p: NatProbeParams): Promise<NatProbeResult> {
  const host = session.net.host(p.host);
  const server = stunServers(session.net).get(p.stun);
  const timeoutNs = p.timeout === undefined ? DEFAULT_PROBE_TIMING.timeoutNs : parseDuration(p.timeout, 'timeout');
  if (!(timeoutNs > 0)) throw invalid(`timeout ${String(p.timeout)} must be longer than 0`);
  const timing = { rtoNs: Math.min(DEFAULT_PROBE_TIMING.rtoNs, timeoutNs), timeoutNs };
  const maxNs = p.maxLifetime === undefined ? DEFAULT_LIFETIME.maxNs : parseDuration(p.maxLifetime, 'max-lifetime');
  if (!(maxNs >= 1e9)) throw invalid(`max-lifetime ${String(p.maxLifetime)} must be at least 1s`);
  const expected: ProbeExpectation = { ...(p.expect !== undefined ? presetExpectation(p.expect) : {}) };
  for (const key of ['mapping', 'filtering', 'hairpin', 'portPreservation', 'lifetime'] as const) if (p[key] !== undefined) Object.assign(expected, { [key]: p[key] });
  const wantLifetime = expected.lifetime === undefined || expected.lifetime === 'never' ? expected.lifetime : parseDuration(expected.lifetime, 'lifetime');
  if (wantLifetime !== undefined && p.skipLifetime) throw invalid('--lifetime expects a binding lifetime but --skip-lifetime leaves the test out; drop one');

  const report = await probeBehaviour(session.net, host, server, timing);
  let lifetimeNs: number | null = null;
  let lifetime = 'not measured (--skip-lifetime)';
  if (!p.skipLifetime) {
    const copy = copyOf(session);
    try {
      lifetimeNs = await probeLifetime(copy, copy.host(host.name), stunServers(copy).get(server.host.name), timing, { ...DEFAULT_LIFETIME, maxNs });
    } finally {
      copy.close();
    }
    lifetime = lifetimeNs === null ? `longer than ${formatDuration(maxNs)} (never expired)` : formatDuration(lifetimeNs);
  }
  const legacy = Object.entries(NAT_PRESETS).find(([, b]) => b.mapping === report.mapping && b.filtering === report.filtering)?.[0]
    ?? (report.mapping !== 'ei' && report.filtering === 'apd' ? 'symmetric' : null);
  const mismatches: string[] = [];
  const why = p.expect !== undefined ? ` (--expect ${p.expect})` : '';
  const differs = (what: string, want: unknown, got: unknown): void => {
    if (want !== undefined && want !== got) mismatches.push(`${what}: expected ${String(want)}${why}, probed ${got === null ? 'undetermined' : String(got)}`);
  };
  differs('nat', expected.nat, report.nat);
  differs('mapping', expected.mapping, report.mapping);
  differs('filtering', expected.filtering, report.filtering);
  differs('hairpin', expected.hairpin, report.hairpin);
  differs('port preservation', expected.portPreservation, report.portPreservation);
  if (wantLifetime !== undefined && (wantLifetime === 'never' ? lifetimeNs !== null : lifetimeNs !== wantLifetime)) {
    mismatches.push(`binding lifetime: expected ${wantLifetime === 'never' ? 'never' : formatDuration(wantLifetime)}, probed ${lifetime}`);
  }
  return { ...report, lifetimeNs, lifetime, legacy, expected, mismatches };
}

/** A virtual-clock network built from the live one's export: same routers, hosts, NATs, filters and STUN servers; no live mappings. */
function copyOf(session: Session): Network {
  const copy = new Network({ clock: 'virtual', seed: session.seed });
  try {
    applyEntries(copy, exportTopology(session.net), '<live network>', null, false);
  } catch (err) {
    copy.close();
    throw new VnetError('EINVAL', `could not copy the network to measure the binding lifetime (${(err as Error).message}); use --skip-lifetime`, { cause: err });
  }
  return copy;
}
