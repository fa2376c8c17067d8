// `vnet export --format netns`: the topology as a POSIX sh script that builds it in Linux network
// namespaces. One namespace per router and per host (PREFIX-NODE); each LAN of a router is a bridge named as the
// LAN (`lan`, `lan2`, ...) in the router's namespace holding that LAN's gateway address, each LAN member joined to it by a veth pair
// (`p-MEMBER` on the bridge, `eth0` or `uplink` in the member). Every interface name lives inside a
// lab namespace, so two labs with different prefixes never collide. `up` converges (run it twice:
// same lab), `down` deletes the namespaces and with them every link, bridge, qdisc and nft table.
import type { LabPlan, PlanRouter, PlanRoute } from './export-plan.js';
import { netnsQdiscs, type Qdisc } from './export-filters.js';
import { gapHeader, type Gap } from './export-gaps.js';
import { natRules, nftFile } from './export-nat.js';

export interface NetnsOptions {
  prefix: string;
  /** Where the topology came from, for the script's first lines. */
  source: string;
}

/** Linux's limit on interface names (IFNAMSIZ - 1). */
export const MAX_IFNAME = 15;

/** The bridge port of `member` on a router's LAN: `p-MEMBER`, or `pN` (its place among the router's LAN members) when that is too long or a LAN's name. */
export function portName(r: PlanRouter, member: string): string {
  const named = `p-${member}`;
  return named.length <= MAX_IFNAME && !r.lans.some((l) => l.name === named) ? named : `p${r.members.findIndex((m) => m.node === member)}`;
}

/** Quotes a word for sh (single quotes; every name is checked already, this is belt and braces). */
export function shq(s: string): string {
  return /^[A-Za-z0-9_.:/,=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The script's text. */
export function netnsScript(plan: LabPlan, gaps: readonly Gap[], opts: NetnsOptions): string {
  const P = opts.prefix;
  const ns = (node: string): string => shq(`${P}-${node}`);
  const namespaces = [...plan.routers.map((r) => `${P}-${r.name}`), ...plan.hosts.map((h) => `${P}-${h.name}`)];
  const out: string[] = [
    '#!/bin/sh',
    `# Lab "${P}" written by \`vnet export --format netns\` from ${opts.source.replace(/\n/g, ' ')}.`,
    '# Linux network namespaces, veth pairs, bridges, nftables and tc; run as root:',
    '#   sh lab.sh up      build it (again: same lab)       sh lab.sh down    remove all of it',
    '#   sh lab.sh status  list its namespaces              ip netns exec NAMESPACE CMD   run CMD on a node',
    `# Namespaces: ${namespaces.join(' ')}`,
    '#',
    ...gapHeader(gaps, 'netns'),
    '',
    'set -eu',
    `PREFIX=${shq(P)}`,
    `NAMESPACES=${shq(namespaces.join(' '))}`,
    'NETEM_MISSING=0',
    '',
    ...HELPERS,
    '',
    'up() {',
    '  if command -v modprobe >/dev/null 2>&1; then modprobe -q sch_netem 2>/dev/null || true; fi',
    '  for ns in $NAMESPACES; do mkns "$ns"; done',
  ];
  const body: string[] = [];
  const line = (s: string): void => void body.push(`  ${s}`);

  line('# routers: forwarding on, ARP answered only for the receiving interface\'s own addresses, as a vnet router');
  for (const r of plan.routers) {
    line(`nsctl ${ns(r.name)} net/ipv4/ip_forward 1`);
    line(`nsctl ${ns(r.name)} net/ipv4/conf/all/arp_ignore 1`);
    if (r.doc.icmpRatelimit !== undefined) line(`nsctl ${ns(r.name)} net/ipv4/icmp_ratelimit ${icmpRatelimitMs(r.doc.icmpRatelimit)}`);
  }
  for (const r of plan.routers) {
    for (const l of r.lans) {
      const br = shq(l.name);
      line(`# ${r.name}: LAN ${l.cidr} on bridge ${l.name}, gateway ${l.gateway}`);
      line(`mkbridge ${ns(r.name)} ${br} ${l.mac}`);
      line(`ip -n ${ns(r.name)} addr replace ${l.gateway}/${l.cidr.prefix} dev ${br}`);
      for (const m of r.members.filter((x) => x.lan === l.name)) {
        const port = portName(r, m.node);
        line(`mkveth ${ns(r.name)} ${shq(port)} ${ns(m.node)} ${m.iface}`);
        line(`ip -n ${ns(r.name)} link set ${shq(port)} master ${br} mtu ${m.mtu} up`);
      }
      line(`ip -n ${ns(r.name)} link set ${br} mtu ${r.mtu} up`);
    }
  }
  for (const r of plan.routers) {
    if (r.parent === undefined) continue;
    line(`# ${r.name}: uplink on ${r.parent}'s LAN${r.parentLan !== 'lan' ? ` ${r.parentLan}` : ''}`);
    line(`ip -n ${ns(r.name)} link set uplink address ${r.uplinkMac} mtu ${r.mtu} up`);
    for (const a of r.uplinkAddrs) line(`ip -n ${ns(r.name)} addr replace ${a} dev uplink`);
  }
  for (const h of plan.hosts) {
    line(`# host ${h.name} on ${h.router}'s LAN${h.lan !== 'lan' ? ` ${h.lan}` : ''}`);
    line(`ip -n ${ns(h.name)} link set eth0 address ${h.mac} mtu ${h.mtu} up`);
    for (const a of h.addrs) line(`ip -n ${ns(h.name)} addr replace ${a} dev eth0`);
  }
  line('# routes (once every link is up)');
  const routes = (node: string, rs: readonly PlanRoute[]): void => {
    for (const x of rs) line(`ip -n ${ns(node)} route replace ${routeArgs(x)}`);
  };
  for (const r of plan.routers) routes(r.name, r.routes);
  for (const h of plan.hosts) routes(h.name, h.routes);
  for (const r of plan.routers) {
    const rules = natRules(r);
    if (rules === null) continue;
    line(`# ${r.name}: NAT (${r.nat!.mode === '1to1' ? '1:1' : `mapping ${r.nat!.mapping}, filtering ${r.nat!.filtering}`})`);
    line(`ip netns exec ${ns(r.name)} nft -f - <<'EOF'`);
    body.push(nftFile(rules), 'EOF');
    for (const [name, value] of rules.sysctls) line(`nsctl ${ns(r.name)} ${name.replace(/\./g, '/')} ${value}`);
  }
  const { qdiscs } = netnsQdiscs(plan);
  if (qdiscs.length > 0) line('# impairment: netem (delay, jitter, loss, duplication) feeding tbf (rate), as a vnet filter');
  for (const q of qdiscs) line(qdiscLine(plan, q, ns));
  out.push(...body);
  out.push(
    '  if [ "$NETEM_MISSING" -gt 0 ]; then',
    '    echo "lab $PREFIX is up without $NETEM_MISSING netem qdisc(s): this kernel has no sch_netem (see the warnings above)" >&2',
    '  else',
    '    echo "lab $PREFIX is up: $NAMESPACES"',
    '  fi',
    '}',
    '',
    ...MAIN,
    '',
  );
  return out.join('\n');
}

/** `ip route` arguments: `10.0.0.0/8 via 192.168.1.1`, `default dev eth0`. */
export function routeArgs(x: PlanRoute): string {
  return x.via !== undefined ? `${x.to} via ${x.via}` : `${x.to} dev ${x.dev}`;
}

/** `1s` → 1000 (milliseconds, what net.ipv4.icmp_ratelimit takes). */
export function icmpRatelimitMs(text: string | number): number {
  if (typeof text === 'number') return Math.round(text);
  const m = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(text);
  const f: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
  return m ? Math.round(Number(m[1]) * f[m[2]]) : 1000;
}

function qdiscLine(plan: LabPlan, q: Qdisc, ns: (node: string) => string): string {
  const t = q.target;
  let dev: string;
  if ('dev' in t) dev = t.dev;
  else dev = portName(plan.routers.find((r) => r.name === t.node)!, t.portOf);
  const netem: string[] = [];
  const n = q.netem;
  if (n?.delay !== undefined) netem.push('delay', n.delay, ...(n.jitter !== undefined ? [n.jitter] : []));
  if (n?.loss !== undefined) netem.push('loss', 'random', `${n.loss}%`);
  if (n?.gemodel !== undefined) netem.push('loss', 'gemodel', ...n.gemodel.map((x) => `${x}%`));
  if (n?.duplicate !== undefined) netem.push('duplicate', `${n.duplicate}%`);
  const tbf = q.tbf ? ['rate', q.tbf.rate, 'burst', q.tbf.burst, 'limit', q.tbf.limit, ...(q.tbf.overhead !== undefined ? ['overhead', String(q.tbf.overhead)] : [])] : [];
  return `qdisc ${ns(t.node)} ${shq(dev)} ${shq(netem.join(' ') || '-')} ${shq(tbf.join(' ') || '-')} ${n?.pfifo ? 'pfifo' : '-'}   # ${q.on}`;
}

/** The script's shell functions (no generated value in them). */
const HELPERS = [
  'say() { echo "lab $PREFIX: $*" >&2; }',
  'die() { say "$*"; exit 1; }',
  'ns_exists() { ip netns list | awk \'{print $1}\' | grep -qxF "$1"; }',
  '# a namespace with loopback up, TTL 64 (as vnet\'s sockets) and no IPv6 (vnet is IPv4 only: no router solicitations or MLD in captures)',
  'mkns() {',
  '  ns_exists "$1" || ip netns add "$1"',
  '  nsctl "$1" net/ipv6/conf/default/disable_ipv6 1',
  '  nsctl "$1" net/ipv6/conf/all/disable_ipv6 1',
  '  nsctl "$1" net/ipv4/ip_default_ttl 64',
  '  ip -n "$1" link set lo up',
  '}',
  '# nsctl NAMESPACE KEY/WITH/SLASHES VALUE: a sysctl inside the namespace (no sysctl binary needed)',
  'nsctl() {',
  '  case "$2" in net/ipv6/*) [ -e "/proc/sys/$2" ] || return 0 ;; esac',
  '  # shellcheck disable=SC2016 # expanded by the inner sh',
  '  ip netns exec "$1" sh -c \'echo "$2" > "/proc/sys/$1"\' nsctl "$2" "$3"',
  '}',
  'has_link() { ip -n "$1" link show "$2" >/dev/null 2>&1; }',
  '# mkbridge NAMESPACE NAME MAC',
  'mkbridge() {',
  '  has_link "$1" "$2" || ip -n "$1" link add "$2" type bridge',
  '  ip -n "$1" link set "$2" address "$3"',
  '}',
  '# mkveth NS1 DEV1 NS2 DEV2: a veth pair with one end in each namespace',
  'mkveth() { has_link "$1" "$2" || ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"; }',
  '# qdisc NAMESPACE DEV NETEM_ARGS|- TBF_ARGS|- pfifo|-: netem at the root feeding tbf, or tbf alone',
  'qdisc() {',
  '  if [ "$3" != - ]; then',
  '    # shellcheck disable=SC2086 # the arguments are words on purpose',
  '    if tc -n "$1" qdisc replace dev "$2" root handle 1: netem $3 2>/dev/null; then',
  '      # shellcheck disable=SC2086',
  '      if [ "$4" != - ]; then tc -n "$1" qdisc replace dev "$2" parent 1:1 handle 10: tbf $4',
  '      elif [ "$5" = pfifo ]; then tc -n "$1" qdisc replace dev "$2" parent 1:1 handle 10: pfifo',
  '      fi',
  '      return 0',
  '    fi',
  '    say "warning: this kernel has no netem (module sch_netem; try: modprobe sch_netem); $1/$2 goes without: $3"',
  '    NETEM_MISSING=$((NETEM_MISSING + 1))',
  '  fi',
  '  # shellcheck disable=SC2086',
  '  if [ "$4" != - ]; then tc -n "$1" qdisc replace dev "$2" root handle 10: tbf $4',
  '  else tc -n "$1" qdisc del dev "$2" root 2>/dev/null || true',
  '  fi',
  '}',
];

const MAIN = [
  'down() {',
  '  for ns in $NAMESPACES; do',
  '    ns_exists "$ns" || continue',
  '    pids=$(ip netns pids "$ns")',
  '    if [ -n "$pids" ]; then',
  '      say "stopping what still runs in $ns: $(echo "$pids" | tr \'\\n\' \' \')"',
  '      # shellcheck disable=SC2086',
  '      kill $pids 2>/dev/null || true',
  '    fi',
  '    ip netns del "$ns"',
  '  done',
  '  echo "lab $PREFIX is down"',
  '}',
  '',
  'status() {',
  '  for ns in $NAMESPACES; do',
  '    if ns_exists "$ns"; then echo "$ns up"; else echo "$ns down"; fi',
  '  done',
  '}',
  '',
  '[ "$(id -u)" = 0 ] || die "run as root: ip netns, nft and tc need CAP_SYS_ADMIN and CAP_NET_ADMIN"',
  'for tool in ip nft tc; do',
  '  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing; install iproute2 and nftables"',
  'done',
  'case "${1:-up}" in',
  '  up) up ;;',
  '  down) down ;;',
  '  status) status ;;',
  '  *) die "unknown command \\"$1\\"; use up, down or status" ;;',
  'esac',
];
