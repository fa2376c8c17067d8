// NAT options as users give them (presets, RFC 4787 knobs) turned into one checked, complete NatConfig.
import { parseIpv4, type Ipv4 } from '../../wire/addr.js';
import { invalid } from '../errors.js';
import { formatDuration, parseDuration, NS_PER_S } from '../units.js';
import { quoteInput } from '../../wire/user-input.js';

/** RFC 4787 behaviour for mapping (§4.1) and filtering (§5): endpoint-independent, address-dependent, address-and-port-dependent. */
export type Behavior = 'ei' | 'ad' | 'apd';

export type NatPresetName = 'full-cone' | 'restricted-cone' | 'port-restricted' | 'symmetric' | '1to1' | 'linux' | 'linux-random' | 'none';

/** What the NAT does with an inbound packet no mapping lets in: drop it silently, or leave it to the router (ICMP port unreachable, as Linux). */
export type UnsolicitedAction = 'drop' | 'port-unreachable';

export interface NatOptions {
  preset?: NatPresetName;
  mapping?: Behavior;
  filtering?: Behavior;
  hairpin?: boolean;
  portPreservation?: boolean;
  portParity?: boolean;
  portRange?: [number, number];
  allocation?: 'sequential' | 'random';
  /** Milliseconds as a number, or a duration string such as '2m'. */
  lifetime?: number | string;
  inboundRefresh?: boolean;
  /** RFC 5382 REQ-5: TCP established-connection idle timeout (ms or a duration string; default 2h4m). */
  tcpEstablished?: number | string;
  /** RFC 5382 REQ-5: TCP transitory (opening/closing) idle timeout (ms or a duration string; default 4m). */
  tcpTransitory?: number | string;
  /** Linux conntrack: one external port serves several flows whose remote endpoints differ (5-tuple uniqueness). Needs mapping apd. */
  portOverloading?: boolean;
  /** Lifetime once a flow is assured (a reply seen, then more traffic 2 s or more after it began), e.g. '120s'; 0 = one lifetime for all. */
  assuredLifetime?: number | string;
  unsolicited?: UnsolicitedAction;
  pooling?: 'paired' | 'arbitrary';
  maxMappings?: number;
  /** 1to1 only: external IP → internal IP. Internal hosts without a pair take free external IPs as they first send. */
  pairs?: Record<string, string>;
}

export interface NatConfig {
  readonly mode: 'napt' | '1to1';
  readonly mapping: Behavior;
  readonly filtering: Behavior;
  /** REQ-9: hairpinning with the external source address and port. Decided by the router. */
  readonly hairpin: boolean;
  /** §4.2.1: try x' = x first. */
  readonly portPreservation: boolean;
  /** REQ-4: x' has the parity of x. */
  readonly portParity: boolean;
  /** External ports for internal ports 1024-65535 (REQ-3 a: internal ports 1-1023 always map into 1-1023). */
  readonly portRange: readonly [number, number];
  readonly allocation: 'sequential' | 'random';
  /** REQ-5: idle time after the last refresh before a traffic mapping expires, ns. */
  readonly lifetimeNs: number;
  /** REQ-6 a): inbound packets also refresh the mapping (outbound always do, REQ-6). */
  readonly inboundRefresh: boolean;
  /** RFC 5382 REQ-5: idle time before a TCP mapping with an established connection expires, ns (the UDP lifetime does not apply to TCP). */
  readonly tcpEstablishedNs: number;
  /** RFC 5382 REQ-5: idle time before a TCP mapping that is opening (SYN one way) or closed (FIN both ways, RST) expires, ns. */
  readonly tcpTransitoryNs: number;
  /** Linux conntrack port overloading: an external port is shared by flows with different remote endpoints (RFC 4787 REQ-3 forbids it). */
  readonly portOverloading: boolean;
  /** Lifetime of an assured traffic mapping, ns; 0 = every traffic mapping has lifetimeNs. */
  readonly assuredLifetimeNs: number;
  /** Inbound packets no mapping lets in: silent drop, or ICMP port unreachable from the router (UDP). */
  readonly unsolicited: UnsolicitedAction;
  /** REQ-2: 'paired' = all mappings of one internal IP use one external IP. */
  readonly pooling: 'paired' | 'arbitrary';
  /** Bound on live mappings; a new mapping past it is refused ('nat-table-full'). */
  readonly maxMappings: number;
  /** 1to1: static [external, internal] pairs (empty for NAPT). */
  readonly pairs: readonly (readonly [Ipv4, Ipv4])[];
}

/** Legacy names (RFC 3489 §5) as RFC 4787 mapping/filtering pairs. */
export const NAT_PRESETS: Readonly<Record<'full-cone' | 'restricted-cone' | 'port-restricted' | 'symmetric', { mapping: Behavior; filtering: Behavior }>> = {
  'full-cone': { mapping: 'ei', filtering: 'ei' },
  'restricted-cone': { mapping: 'ei', filtering: 'ad' },
  'port-restricted': { mapping: 'ei', filtering: 'apd' },
  symmetric: { mapping: 'apd', filtering: 'apd' },
};

/**
 * Linux 6.x nftables masquerade as measured in namespaces: every flow is a conntrack entry (so
 * mapping and filtering are per remote endpoint), the source port kept when that 5-tuple is free
 * (which looks like EIM), else a random port, parity not kept; 30 s unreplied, 120 s assured,
 * inbound refresh, ICMP port unreachable for what nothing lets in, no hairpin. linux-random is
 * `masquerade random-fully`: a random port for every flow (APDM).
 */
/** Linux conntrack's TCP timeouts on the kernel measured here: established 432000 s (5 days); syn_sent and time_wait 120 s. */
const LINUX_TCP_ESTABLISHED_NS = 432_000 * NS_PER_S;
const LINUX_TCP_TRANSITORY_NS = 120 * NS_PER_S;

const LINUX_MASQUERADE = Object.freeze({
  mode: 'napt', mapping: 'apd', filtering: 'apd', hairpin: false, portPreservation: true, portParity: false, allocation: 'random',
  lifetimeNs: 30 * NS_PER_S, assuredLifetimeNs: 120 * NS_PER_S, inboundRefresh: true, portOverloading: true, unsolicited: 'port-unreachable',
  tcpEstablishedNs: LINUX_TCP_ESTABLISHED_NS, tcpTransitoryNs: LINUX_TCP_TRANSITORY_NS,
} as const);

export const LINUX_PRESETS: Readonly<Record<'linux' | 'linux-random', Omit<NatConfig, 'maxMappings' | 'pairs' | 'pooling' | 'portRange'>>> = {
  linux: LINUX_MASQUERADE,
  // `masquerade random-fully`: the same, but a random port for every flow.
  'linux-random': Object.freeze({ ...LINUX_MASQUERADE, portPreservation: false }),
};

/** REQ-5 c): 5 minutes. */
export const DEFAULT_LIFETIME_NS = 300 * NS_PER_S;
/** RFC 5382 REQ-5: established idle timeout at least 2 h 4 min (Linux conntrack: 5 days, nf_conntrack_tcp_timeout_established 432000). */
export const DEFAULT_TCP_ESTABLISHED_NS = (2 * 3600 + 4 * 60) * NS_PER_S;
/** RFC 5382 REQ-5: transitory idle timeout at least 4 min (Linux conntrack: syn_sent 120 s, time_wait 120 s, close 10 s). */
export const DEFAULT_TCP_TRANSITORY_NS = 4 * 60 * NS_PER_S;
/** 2^18 live mappings per NAT (2 per port of two protocols on two external IPs); about 500 B each, so ~125 MiB at the cap. */
export const DEFAULT_MAX_MAPPINGS = 262_144;
/** First port of the sequential cursor (pion's 0xC000), when inside the range. */
export const SEQUENTIAL_START = 49152;

/** Port-restricted cone (EIM + APDF), as Linux and pion default to. */
export const DEFAULT_NAT: NatConfig = Object.freeze({
  mode: 'napt',
  mapping: 'ei',
  filtering: 'apd',
  hairpin: true,
  portPreservation: false,
  portParity: true,
  portRange: Object.freeze([1024, 65535] as const),
  allocation: 'sequential',
  lifetimeNs: DEFAULT_LIFETIME_NS,
  inboundRefresh: false,
  tcpEstablishedNs: DEFAULT_TCP_ESTABLISHED_NS,
  tcpTransitoryNs: DEFAULT_TCP_TRANSITORY_NS,
  portOverloading: false,
  assuredLifetimeNs: 0,
  unsolicited: 'drop',
  pooling: 'paired',
  maxMappings: DEFAULT_MAX_MAPPINGS,
  pairs: Object.freeze([]),
});

const BEHAVIORS: readonly string[] = ['ei', 'ad', 'apd'];

function behavior(v: unknown, what: string): Behavior {
  if (typeof v !== 'string' || !BEHAVIORS.includes(v)) throw invalid(`${what} behaviour "${String(v)}" is not one of ei, ad, apd`);
  return v as Behavior;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw invalid(`${what} "${String(v)}" is not one of ${allowed.join(', ')}`);
  return v as T;
}

function portRange(r: unknown): readonly [number, number] {
  if (!Array.isArray(r) || r.length !== 2) throw invalid(`a port range is a pair [lo, hi] of ports 1-65535, got ${quoteInput(JSON.stringify(r) ?? String(r))}`);
  const [lo, hi] = r as unknown[];
  for (const p of [lo, hi]) {
    if (typeof p !== 'number' || !Number.isInteger(p)) throw invalid(`a port range is a pair [lo, hi] of ports 1-65535, got ${quoteInput(JSON.stringify(r))}`);
    if (p < 1 || p > 65535) throw invalid(`port range ${String(lo)}-${String(hi)}: ${String(p)} is not a port 1-65535`);
  }
  if ((lo as number) > (hi as number)) throw invalid(`port range ${String(lo)}-${String(hi)} is empty: lo ${String(lo)} > hi ${String(hi)}`);
  return Object.freeze([lo as number, hi as number] as const);
}

function ip(text: string, what: string): Ipv4 {
  try {
    return parseIpv4(text);
  } catch {
    throw invalid(`${what} ${quoteInput(text)} is not an IPv4 address`);
  }
}

function pairs(p: Record<string, string>): readonly (readonly [Ipv4, Ipv4])[] {
  const out: (readonly [Ipv4, Ipv4])[] = [];
  const internals = new Set<Ipv4>();
  for (const [ext, int] of Object.entries(p)) {
    const e = ip(ext, '1to1 external address');
    const i = ip(int, '1to1 internal address');
    if (internals.has(i)) throw invalid(`1to1 internal address ${int} is paired twice; each internal address takes one external address`);
    internals.add(i);
    out.push(Object.freeze([e, i] as const));
  }
  return Object.freeze(out);
}

/** Each option as the CLI flag that sets it (topology files and the library use the key). */
const OPTION_FLAGS: Record<Exclude<keyof NatOptions, 'preset'>, string> = {
  mapping: '--mapping', filtering: '--filtering', hairpin: '--hairpin', portPreservation: '--port-preservation',
  portParity: 'portParity', portRange: '--port-range', allocation: '--allocation', lifetime: '--mapping-lifetime',
  inboundRefresh: '--inbound-refresh', pooling: 'pooling', maxMappings: 'maxMappings', pairs: 'pairs',
  tcpTransitory: '--tcp-transitory', tcpEstablished: '--tcp-established',
  portOverloading: 'portOverloading', assuredLifetime: 'assuredLifetime', unsolicited: 'unsolicited',
};

/**
 * Refuses options that contradict the preset given with them: anything with `none` (there is no NAT
 * to set), and a mapping or filtering other than the one a NAPT preset stands for. Giving the
 * preset's own value is allowed.
 */
export function checkNatConflicts(o: NatOptions): void {
  if (o.preset === undefined) return;
  const given = (Object.keys(OPTION_FLAGS) as (keyof typeof OPTION_FLAGS)[]).filter((k) => o[k] !== undefined);
  if (o.preset === 'none' && given.length > 0) {
    const flags = given.map((k) => OPTION_FLAGS[k]).join(', ');
    throw invalid(`--nat none turns NAT off, so ${flags} ${given.length === 1 ? 'has' : 'have'} nothing to set; drop ${flags}, or pick a NAT preset`);
  }
  const presets = { ...NAT_PRESETS, ...LINUX_PRESETS } as Record<string, { mapping: Behavior; filtering: Behavior } | undefined>;
  const preset = presets[o.preset];
  if (preset === undefined) return;
  for (const key of ['mapping', 'filtering'] as const) {
    if (o[key] === undefined || o[key] === preset[key]) continue;
    const matching = Object.entries(presets).filter(([, p]) => p?.[key] === o[key]).map(([name]) => name);
    throw invalid(`--nat ${o.preset} means ${key} ${preset[key]}, but ${OPTION_FLAGS[key]} ${String(o[key])} was given too; ` +
      `drop one${matching.length > 0 ? `, or use a preset with ${key} ${String(o[key])} (${matching.join(', ')})` : ''}`);
  }
}

/** A TCP idle timeout in ns: given (ms or duration text) or the base's; RFC 5382's minimum is allowed below on purpose (tests). */
function timer(v: number | string | undefined, base: number, what: string, rfc: string): number {
  if (v === undefined) return base;
  const ns = parseDuration(v, what);
  if (!(ns > 0)) throw invalid(`${what} ${String(v)} must be longer than 0 (RFC 5382 REQ-5 asks at least ${rfc})`);
  return ns;
}

/**
 * Checks options and fills in defaults: null for preset 'none'. A preset sets mode, mapping and filtering;
 * mapping/filtering given with it must agree (checkNatConflicts). With `base` (for `nat set`), fields not given keep their values.
 * Lifetimes below REQ-5's 120 s are allowed on purpose: tests need short timers.
 */
export function normalizeNat(o: NatOptions, base?: NatConfig): NatConfig | null {
  checkNatConflicts(o);
  if (o.preset === 'none') return null;
  const b = base ?? DEFAULT_NAT;
  let mode = b.mode;
  let mapping = b.mapping;
  let filtering = b.filtering;
  // A 1to1 base forces preservation on; leaving 1to1 goes back to the default.
  let portPreservation = o.portPreservation ?? (b.mode === '1to1' ? DEFAULT_NAT.portPreservation : b.portPreservation);
  // The Linux presets set every knob Linux has; another preset takes the Linux-only ones back to the defaults.
  let knobs: Omit<NatConfig, 'maxMappings' | 'pairs' | 'pooling' | 'portRange' | 'mode' | 'mapping' | 'filtering'> = b;
  if (o.preset !== undefined) {
    const preset = oneOf(o.preset, ['full-cone', 'restricted-cone', 'port-restricted', 'symmetric', '1to1', 'linux', 'linux-random'] as const, 'NAT preset');
    if (preset === 'linux' || preset === 'linux-random') {
      knobs = LINUX_PRESETS[preset];
      ({ mode, mapping, filtering } = LINUX_PRESETS[preset]);
      portPreservation = o.portPreservation ?? knobs.portPreservation;
    } else {
      // Leaving a Linux preset: its timers, ports and hairpin go back to the defaults too.
      knobs = b.portOverloading ? DEFAULT_NAT : { ...b, portOverloading: false, assuredLifetimeNs: 0, unsolicited: DEFAULT_NAT.unsolicited };
      if (b.portOverloading) portPreservation = o.portPreservation ?? DEFAULT_NAT.portPreservation;
      if (preset === '1to1') {
        mode = '1to1';
        mapping = 'ei';
        filtering = 'ei';
      } else {
        mode = 'napt';
        ({ mapping, filtering } = NAT_PRESETS[preset]);
      }
    }
  }
  if (mode === '1to1') {
    if (o.mapping !== undefined || o.filtering !== undefined) {
      throw invalid('mapping and filtering do not apply to a 1to1 NAT (it is EIM/EIF with ports unchanged); choose a NAPT preset to set them');
    }
    portPreservation = true;
  } else {
    if (o.mapping !== undefined) mapping = behavior(o.mapping, 'mapping');
    if (o.filtering !== undefined) filtering = behavior(o.filtering, 'filtering');
  }
  const lifetimeNs = o.lifetime !== undefined ? parseDuration(o.lifetime, 'NAT mapping lifetime') : knobs.lifetimeNs;
  if (!(lifetimeNs > 0)) throw invalid(`NAT mapping lifetime ${String(o.lifetime)} must be longer than 0 (RFC 4787 REQ-5 recommends 5m)`);
  const tcpEstablishedNs = timer(o.tcpEstablished, knobs.tcpEstablishedNs, 'NAT tcpEstablished timeout', '2h4m');
  const tcpTransitoryNs = timer(o.tcpTransitory, knobs.tcpTransitoryNs, 'NAT tcpTransitory timeout', '4m');
  const assuredLifetimeNs = o.assuredLifetime !== undefined ? parseDuration(o.assuredLifetime, 'NAT assured lifetime') : knobs.assuredLifetimeNs;
  if (!(assuredLifetimeNs >= 0)) throw invalid(`NAT assured lifetime ${String(o.assuredLifetime)} must be 0 (off) or longer`);
  const portOverloading = mode === 'napt' && (o.portOverloading ?? knobs.portOverloading);
  if (typeof portOverloading !== 'boolean') throw invalid(`NAT portOverloading ${String(o.portOverloading)} must be true or false`);
  if (portOverloading && mapping !== 'apd') {
    throw invalid(`port overloading keys every flow by its remote endpoint, so it needs mapping apd (got ${mapping}); drop portOverloading or set mapping apd`);
  }
  const maxMappings = o.maxMappings ?? b.maxMappings;
  if (!Number.isInteger(maxMappings) || maxMappings < 1) throw invalid(`NAT maxMappings ${maxMappings} must be a whole number, at least 1`);
  const bool = (v: boolean | undefined, d: boolean, what: string): boolean => {
    if (v !== undefined && typeof v !== 'boolean') throw invalid(`NAT ${what} ${String(v)} must be true or false`);
    return v ?? d;
  };
  return Object.freeze({
    mode,
    mapping,
    filtering,
    hairpin: bool(o.hairpin, knobs.hairpin, 'hairpin'),
    portPreservation: bool(portPreservation, knobs.portPreservation, 'portPreservation'),
    portParity: bool(o.portParity, knobs.portParity, 'portParity'),
    portRange: o.portRange !== undefined ? portRange(o.portRange) : b.portRange,
    allocation: o.allocation !== undefined ? oneOf(o.allocation, ['sequential', 'random'] as const, 'NAT port allocation') : knobs.allocation,
    lifetimeNs,
    inboundRefresh: bool(o.inboundRefresh, knobs.inboundRefresh, 'inboundRefresh'),
    tcpEstablishedNs,
    tcpTransitoryNs,
    portOverloading,
    assuredLifetimeNs,
    unsolicited: o.unsolicited !== undefined ? oneOf(o.unsolicited, ['drop', 'port-unreachable'] as const, 'NAT unsolicited action') : knobs.unsolicited,
    pooling: o.pooling !== undefined ? oneOf(o.pooling, ['paired', 'arbitrary'] as const, 'NAT pooling') : b.pooling,
    maxMappings,
    pairs: mode !== '1to1' ? DEFAULT_NAT.pairs : o.pairs !== undefined ? pairs(o.pairs) : b.pairs,
  });
}

const MAPPING_NAMES: Record<Behavior, string> = { ei: 'EIM', ad: 'ADM', apd: 'APDM' };
const FILTERING_NAMES: Record<Behavior, string> = { ei: 'EIF', ad: 'ADF', apd: 'APDF' };

/** One line for `nat show` and `router show`, e.g. "port-restricted (EIM/APDF) hairpin lifetime 5m". */
export function describeNat(c: NatConfig): string {
  const parts: string[] = [];
  if (c.mode === '1to1') {
    parts.push('1to1 (EIM/EIF, ports unchanged)');
  } else if (c.portOverloading) {
    // Per-flow (conntrack) state: seen from outside, a kept port is EIM; a random one per flow is APDM.
    const name = c.portPreservation ? 'linux' : 'linux-random';
    const terms = `${c.portPreservation ? 'EIM' : 'APDM'}/${FILTERING_NAMES[c.filtering]}, port overloading`;
    parts.push(`${name} (${terms})`);
  } else {
    const legacy = Object.entries(NAT_PRESETS).find(([, p]) => p.mapping === c.mapping && p.filtering === c.filtering)?.[0];
    const terms = `${MAPPING_NAMES[c.mapping]}/${FILTERING_NAMES[c.filtering]}`;
    parts.push(legacy !== undefined ? `${legacy} (${terms})` : terms);
  }
  parts.push(c.hairpin ? 'hairpin' : 'no-hairpin');
  if (c.mode === 'napt') {
    parts.push(`lifetime ${formatDuration(c.lifetimeNs)}`);
    if (c.assuredLifetimeNs > 0) parts.push(`assured ${formatDuration(c.assuredLifetimeNs)}`);
    if (c.unsolicited !== 'drop') parts.push(`unsolicited ${c.unsolicited}`);
    if (c.portPreservation) parts.push('port-preservation');
    if (!c.portParity) parts.push('no-parity');
    if (c.portRange[0] !== 1024 || c.portRange[1] !== 65535) parts.push(`ports ${c.portRange[0]}-${c.portRange[1]}`);
    if (c.allocation !== 'sequential') parts.push(`${c.allocation} ports`);
    if (c.inboundRefresh) parts.push('inbound-refresh');
    if (c.tcpEstablishedNs !== DEFAULT_TCP_ESTABLISHED_NS || c.tcpTransitoryNs !== DEFAULT_TCP_TRANSITORY_NS) {
      parts.push(`tcp ${formatDuration(c.tcpEstablishedNs)}/${formatDuration(c.tcpTransitoryNs)}`);
    }
    if (c.pooling !== 'paired') parts.push(`${c.pooling} pooling`);
    if (c.maxMappings !== DEFAULT_MAX_MAPPINGS) parts.push(`max ${c.maxMappings} mappings`);
  } else if (c.pairs.length > 0) {
    parts.push(`${c.pairs.length} static pair${c.pairs.length === 1 ? '' : 's'}`);
  }
  return parts.join(' ');
}
