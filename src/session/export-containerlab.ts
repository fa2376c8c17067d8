// `vnet export --format containerlab`: the topology as a containerlab file. Routers and hosts are
// `kind: linux` nodes without a management network (`network-mode: none`, so the lab's links are
// its only paths), configured by `exec:` lines (addresses, routes, nftables); each LAN of a router is a
// host bridge (`kind: bridge`), which containerlab expects to exist, so a companion script makes the
// bridges before `containerlab deploy` and sets the impairments (`containerlab tools netem set`) after.
import { stringify } from 'yaml';
import { clabNetem } from './export-filters.js';
import { gapHeader, type Gap } from './export-gaps.js';
import { natRules, nftCommands } from './export-nat.js';
import type { LabPlan, PlanRoute } from './export-plan.js';
import { icmpRatelimitMs, MAX_IFNAME, routeArgs, shq } from './export-netns.js';

export interface ContainerlabOptions {
  /** The lab's name (containers are clab-NAME-NODE). */
  prefix: string;
  source: string;
  /** The image of every node: needs ip, nft and tc (nicolaka/netshoot has them). */
  image: string;
  /** The companion script's file name, as the YAML's header names it. */
  scriptName: string;
}

export const DEFAULT_CLAB_IMAGE = 'nicolaka/netshoot:latest';

/** 32-bit FNV-1a of a text, as 8 hex digits (short, stable names). */
function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * A name for an interface in the host's own namespace (bridges and their ports): `PREFIX-LABEL` when it
 * fits in 15 characters (and is not in `avoid`), else the prefix cut short and a hash of both, so labs never share a name.
 */
export function hostIfname(prefix: string, label: string, avoid: ReadonlySet<string> = new Set()): string {
  const plain = `${prefix}-${label}`;
  if (plain.length <= MAX_IFNAME && /^[A-Za-z0-9_.-]+$/.test(plain) && !avoid.has(plain)) return plain;
  return `${prefix.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 8)}-${fnv(`${prefix}/${label}`).slice(0, 6)}`;
}

export interface ContainerlabFiles {
  yaml: string;
  script: string;
  /** Host bridges the lab needs, by LAN: ROUTER for the first, ROUTER/LAN for the others. */
  bridges: Record<string, string>;
}

export function containerlabFiles(plan: LabPlan, gaps: readonly Gap[], opts: ContainerlabOptions): ContainerlabFiles {
  const P = opts.prefix;
  const bridges: Record<string, string> = {};
  // A bridge is a node of the file too: its name must not be a router's or a host's, nor another bridge's or port's.
  const taken = new Set([...plan.routers.map((r) => r.name), ...plan.hosts.map((h) => h.name)]);
  const claim = (label: string): string => {
    let name = hostIfname(P, label, taken);
    for (let n = 1; taken.has(name); n++) name = hostIfname(P, `${label}#${n}`, taken);
    taken.add(name);
    return name;
  };
  // The first LAN's bridge is PREFIX-ROUTER; another LAN's PREFIX-ROUTER.LAN (cut short with a hash past 15 characters).
  const bridgeKey = (router: string, lan: string): string => (lan === 'lan' ? router : `${router}/${lan}`);
  for (const r of plan.routers) for (const l of r.lans) bridges[bridgeKey(r.name, l.name)] = claim(l.name === 'lan' ? r.name : `${r.name}.${l.name}`);
  const nodes: Record<string, unknown> = {};
  const links: { endpoints: [string, string] }[] = [];
  const routeLines = (rs: readonly PlanRoute[]): string[] => rs.map((x) => `ip route replace ${routeArgs(x)}`);
  const ifaceLines = (dev: string, mac: string, mtu: number, addrs: readonly string[]): string[] => [
    `ip link set ${dev} address ${mac} mtu ${mtu}`,
    ...addrs.map((a) => `ip addr replace ${a} dev ${dev}`),
    `ip link set ${dev} up`,
  ];
  for (const r of plan.routers) {
    const exec = r.lans.flatMap((l) => ifaceLines(l.name, l.mac, r.mtu, [`${l.gateway}/${l.cidr.prefix}`]));
    if (r.parent !== undefined) exec.push(...ifaceLines('uplink', r.uplinkMac!, r.mtu, r.uplinkAddrs));
    exec.push(...routeLines(r.routes));
    const rules = natRules(r);
    if (rules !== null) {
      exec.push(...nftCommands(rules));
      for (const [name, value] of rules.sysctls) exec.push(`sh -c 'echo ${value} > /proc/sys/${name.replace(/\./g, '/')}'`);
    }
    const sysctls: Record<string, string> = { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.arp_ignore': '1', 'net.ipv6.conf.all.disable_ipv6': '1' };
    if (r.doc.icmpRatelimit !== undefined) sysctls['net.ipv4.icmp_ratelimit'] = String(icmpRatelimitMs(r.doc.icmpRatelimit));
    nodes[r.name] = { kind: 'linux', image: opts.image, 'network-mode': 'none', sysctls, exec };
    for (const l of r.lans) links.push({ endpoints: [`${r.name}:${l.name}`, `${bridges[bridgeKey(r.name, l.name)]}:${claim(`${r.name}/${l.name}`)}`] });
  }
  for (const r of plan.routers) {
    if (r.parent === undefined) continue;
    links.push({ endpoints: [`${r.name}:uplink`, `${bridges[bridgeKey(r.parent, r.parentLan!)]}:${claim(`${r.parent}.${r.name}`)}`] });
  }
  for (const h of plan.hosts) {
    const exec = [...ifaceLines('eth0', h.mac, h.mtu, h.addrs), ...routeLines(h.routes)];
    nodes[h.name] = { kind: 'linux', image: opts.image, 'network-mode': 'none', sysctls: { 'net.ipv6.conf.all.disable_ipv6': '1' }, exec };
    links.push({ endpoints: [`${h.name}:eth0`, `${bridges[bridgeKey(h.router, h.lan)]}:${claim(`${h.router}.${h.name}`)}`] });
  }
  for (const br of Object.values(bridges)) nodes[br] = { kind: 'bridge' };

  const header = [
    `# Lab "${P}" written by \`vnet export --format containerlab\` from ${opts.source.replace(/\n/g, ' ')}.`,
    `# On a containerlab host, as root: sh ${opts.scriptName} bridges && containerlab deploy -t THIS_FILE && sh ${opts.scriptName}`,
    `# (the LAN bridges must exist before deploy; the script then sets the impairments). Remove: containerlab destroy -t THIS_FILE && sh ${opts.scriptName} clean`,
    '#',
    ...gapHeader(gaps, 'containerlab'),
  ];
  const doc = { name: P, topology: { nodes, links } };
  const yaml = `${header.join('\n')}\n${stringify(doc, { lineWidth: 0 })}`;
  return { yaml, script: companionScript(plan, gaps, bridges, opts), bridges };
}

function companionScript(plan: LabPlan, gaps: readonly Gap[], bridges: Record<string, string>, opts: ContainerlabOptions): string {
  const P = opts.prefix;
  const { commands } = clabNetem(plan);
  const netem = commands.map((c) => `  containerlab tools netem set -n ${shq(`clab-${P}-${c.node}`)} -i ${shq(c.iface)} ${c.flags.join(' ')}`);
  return [
    '#!/bin/sh',
    `# Companion of the containerlab lab "${P}" (written by \`vnet export --format containerlab\` from ${opts.source.replace(/\n/g, ' ')}). As root:`,
    `#   sh ${opts.scriptName} bridges   before \`containerlab deploy\`: the LAN bridges the lab plugs into`,
    `#   sh ${opts.scriptName}           after it: the impairments (containerlab tools netem set)`,
    `#   sh ${opts.scriptName} clean     after \`containerlab destroy\`: remove the bridges`,
    '#',
    ...gapHeader(gaps, 'containerlab'),
    '',
    'set -eu',
    `BRIDGES=${shq(Object.values(bridges).join(' '))}`,
    '',
    'bridges() {',
    '  for br in $BRIDGES; do',
    '    ip link show "$br" >/dev/null 2>&1 || ip link add "$br" type bridge',
    '    ip link set "$br" up',
    '    # Docker hosts pass bridged frames through iptables (br_netfilter); let the lab\'s through.',
    '    if command -v iptables >/dev/null 2>&1 && iptables -S FORWARD >/dev/null 2>&1; then',
    '      iptables -C FORWARD -i "$br" -o "$br" -j ACCEPT 2>/dev/null || iptables -I FORWARD -i "$br" -o "$br" -j ACCEPT',
    '    fi',
    '  done',
    '}',
    '',
    'netem() {',
    ...(netem.length > 0 ? netem : ['  : # no impairments in this topology']),
    '}',
    '',
    'clean() {',
    '  for br in $BRIDGES; do',
    '    if command -v iptables >/dev/null 2>&1; then iptables -D FORWARD -i "$br" -o "$br" -j ACCEPT 2>/dev/null || true; fi',
    '    if ip link show "$br" >/dev/null 2>&1; then ip link del "$br"; fi',
    '  done',
    '}',
    '',
    'case "${1:-netem}" in',
    '  bridges) bridges ;;',
    '  netem) netem ;;',
    '  clean) clean ;;',
    '  *) echo "unknown command \\"$1\\"; use bridges, netem or clean" >&2; exit 1 ;;',
    'esac',
    '',
  ].join('\n');
}
