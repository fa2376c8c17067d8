// A router's NAT as nftables rules and conntrack sysctls, plus what of its behaviour they cannot
// give. Masquerade is Linux's NAT as vnet's `linux` preset models it (EIM-looking while the source
// port is free, APDF, 30 s/120 s, inbound refresh, no hairpin); `fully-random` is `linux-random`.
import { formatIpv4 } from '../wire/addr.js';
import { DEFAULT_MAX_MAPPINGS, type NatConfig } from '../engine/nat/config.js';
import { NS_PER_S } from '../engine/units.js';
import { addressOf, type PlanRouter } from './export-plan.js';
import { durationText } from './topology-export.js';

export interface NftChain {
  name: string;
  /** e.g. `type nat hook postrouting priority srcnat; policy accept;` */
  spec: string;
  rules: string[];
}

export interface NatRules {
  /** Chains of the router's `ip vnet` table. */
  chains: NftChain[];
  /** sysctl name (dotted, under net.) → value, set in the router's namespace once the rules are in. */
  sysctls: [string, string][];
  /** What of the NAT does not carry over, one fact each. */
  gaps: string[];
}

/** Linux's own choice of ports: masquerade keeps the source port when free, else a random one; fully-random always picks one at random. */
interface LinuxPorts {
  portPreservation: boolean;
  allocation: 'sequential' | 'random';
  portParity: boolean;
  portOverloading: boolean;
}

/** Whether the NAT is exported as `masquerade fully-random` (a random port per flow) rather than plain masquerade. */
export function fullyRandom(cfg: NatConfig): boolean {
  return cfg.mapping !== 'ei' && !cfg.portPreservation;
}

const FILTERING: Record<string, string> = { ei: 'ei (full cone: anyone may send to a mapping)', ad: 'ad (restricted cone: any port of a remote address sent to)' };

/** The nft rules and sysctls of a router's NAT; null for a router without one. */
export function natRules(r: PlanRouter): NatRules | null {
  const cfg = r.nat;
  if (cfg === null) return null;
  return cfg.mode === '1to1' ? oneToOne(r, cfg) : napt(r, cfg);
}

function napt(r: PlanRouter, cfg: NatConfig): NatRules {
  const gaps: string[] = [];
  const random = fullyRandom(cfg);
  const masq = `masquerade${random ? ' fully-random' : ''}`;
  const [lo, hi] = cfg.portRange;
  const post: string[] = [];
  if (lo !== 1024 || hi !== 65535) {
    post.push(`oifname "uplink" meta l4proto { tcp, udp } ${masq} to :${lo}-${hi}`);
    gaps.push(`port range ${lo}-${hi}: Linux maps source ports below 1024 into it too (vnet keeps them below 1024)`);
  }
  post.push(`oifname "uplink" ${masq}`);
  const forward = ['iifname "uplink" ct state established,related accept', 'iifname "uplink" drop'];
  const chains: NftChain[] = [
    { name: 'postrouting', spec: 'type nat hook postrouting priority srcnat; policy accept;', rules: post },
    { name: 'forward', spec: 'type filter hook forward priority filter; policy accept;', rules: forward },
  ];
  if (cfg.unsolicited === 'drop') {
    // vnet drops what no mapping lets in; Linux would answer it with port unreachable from the router.
    chains.push({ name: 'input', spec: 'type filter hook input priority filter; policy accept;', rules: ['iifname "uplink" ct state established,related accept', 'iifname "uplink" meta l4proto { tcp, udp } drop'] });
  }

  if (cfg.mapping === 'ad') gaps.push(`mapping ad (per remote address): approximated by ${masq} (${random ? 'a new port per remote address and port' : 'the source port kept for every remote'})`);
  if (cfg.mapping === 'apd' && !random && !cfg.portOverloading) gaps.push('mapping apd with port preservation: Linux keeps the source port for every remote, so it looks endpoint-independent');
  if (cfg.filtering !== 'apd') gaps.push(`filtering ${FILTERING[cfg.filtering]}: conntrack lets in only replies from the address and port sent to (apd, port-restricted)`);
  if (cfg.hairpin) gaps.push('hairpinning: masquerade does not hairpin; hosts behind it cannot reach each other through its public address');
  const linux: LinuxPorts = { portPreservation: !random, allocation: 'random', portParity: false, portOverloading: true };
  const ports = portDifferences(cfg, linux);
  if (ports.length > 0) gaps.push(`port choice: ${ports.join('; ')}`);
  if (r.uplinkAddrs.length > 1) gaps.push(`${r.uplinkAddrs.length} uplink addresses: masquerade uses the primary one (${addressOf(r.uplinkAddrs[0])}); vnet pools them (${cfg.pooling})`);
  if (!cfg.inboundRefresh) gaps.push('mapping refresh: inbound packets refresh a conntrack entry too (vnet: outbound only)');
  if (cfg.maxMappings !== DEFAULT_MAX_MAPPINGS) gaps.push(`maxMappings ${cfg.maxMappings}: conntrack's table size (nf_conntrack_max) is the whole machine's`);

  const seconds = (ns: number, what: string): string => {
    const s = Math.max(1, Math.ceil(ns / NS_PER_S));
    if (s * NS_PER_S !== ns) gaps.push(`${what} ${durationText(ns)}: conntrack counts whole seconds (${s}s)`);
    return String(s);
  };
  const udp = seconds(cfg.lifetimeNs, 'lifetime');
  const stream = cfg.assuredLifetimeNs > 0 ? seconds(cfg.assuredLifetimeNs, 'assuredLifetime') : udp;
  const transitory = seconds(cfg.tcpTransitoryNs, 'tcpTransitory');
  const sysctls: [string, string][] = [
    ['net.netfilter.nf_conntrack_udp_timeout', udp],
    ['net.netfilter.nf_conntrack_udp_timeout_stream', stream],
    ['net.netfilter.nf_conntrack_tcp_timeout_established', seconds(cfg.tcpEstablishedNs, 'tcpEstablished')],
    ['net.netfilter.nf_conntrack_tcp_timeout_syn_sent', transitory],
    ['net.netfilter.nf_conntrack_tcp_timeout_time_wait', transitory],
  ];
  return { chains, sysctls, gaps };
}

/** What vnet's port choice does that Linux's does not (or the reverse), one phrase each. */
function portDifferences(cfg: NatConfig, linux: LinuxPorts): string[] {
  const out: string[] = [];
  if (cfg.portPreservation !== linux.portPreservation) out.push(cfg.portPreservation ? 'vnet keeps the source port when free, Linux picks a random one' : 'Linux keeps the source port when free, vnet does not');
  if (cfg.allocation !== linux.allocation && !cfg.portPreservation) out.push('vnet hands out ports in sequence, Linux at random');
  if (cfg.portParity !== linux.portParity) out.push('vnet keeps the port\'s parity, Linux does not');
  if (cfg.portOverloading !== linux.portOverloading) out.push('Linux lets two inside hosts share an external port toward different remotes, vnet never does');
  return out;
}

function oneToOne(r: PlanRouter, cfg: NatConfig): NatRules {
  const pre: string[] = [];
  const post: string[] = [];
  for (const [ext, int] of cfg.pairs) {
    pre.push(`iifname "uplink" ip daddr ${formatIpv4(ext)} dnat to ${formatIpv4(int)}`);
    post.push(`oifname "uplink" ip saddr ${formatIpv4(int)} snat to ${formatIpv4(ext)}`);
  }
  post.push('oifname "uplink" masquerade');
  const gaps = ['1to1: an inside host without a pair leaves through masquerade on the primary uplink address (vnet gives it a free external address of its own)'];
  if (cfg.hairpin) gaps.push('hairpinning: dnat does not hairpin; hosts behind it cannot reach each other through their external addresses');
  const uplink = new Set(r.uplinkAddrs.map(addressOf));
  for (const [ext] of cfg.pairs) if (!uplink.has(formatIpv4(ext))) gaps.push(`1to1 external address ${formatIpv4(ext)} is not on the uplink; add it there for the pair to answer ARP`);
  return {
    chains: [
      { name: 'prerouting', spec: 'type nat hook prerouting priority dstnat; policy accept;', rules: pre },
      { name: 'postrouting', spec: 'type nat hook postrouting priority srcnat; policy accept;', rules: post },
    ],
    sysctls: [],
    gaps,
  };
}

/** The table as an `nft -f` file: created if missing, then replaced whole (so applying it twice is the same as once). */
export function nftFile(rules: NatRules): string {
  const lines = ['table ip vnet', 'delete table ip vnet', 'table ip vnet {'];
  for (const c of rules.chains) {
    lines.push(`  chain ${c.name} {`, `    ${c.spec}`, ...c.rules.map((x) => `    ${x}`), '  }');
  }
  lines.push('}');
  return lines.join('\n');
}

/** The table as separate `nft` command lines (for containerlab's exec, which runs no shell). */
export function nftCommands(rules: NatRules): string[] {
  const out = ['nft add table ip vnet'];
  for (const c of rules.chains) {
    out.push(`nft 'add chain ip vnet ${c.name} { ${c.spec} }'`);
    for (const rule of c.rules) out.push(`nft 'add rule ip vnet ${c.name} ${rule}'`);
  }
  return out;
}
