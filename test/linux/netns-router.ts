// Three Linux network namespaces in a line, for tests that measure a forwarding hop beside vnet:
// host A on the left subnet, router R (ip_forward on) on both, host B on the right, each host's
// default route via R. Needs root, `ip` and `sysctl`; the test removes it in an after hook.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** One side of the router: the host's address and device, the router's address and device (CIDR /24 each), the link MTU. */
export interface RoutedSide {
  host: string;
  hostDev: string;
  router: string;
  routerDev: string;
  mtu?: number;
}

export interface RoutedTriple {
  A: string;
  R: string;
  B: string;
  /** Deletes the three namespaces (safe twice). */
  remove(): void;
}

/** Runs a command and returns its stdout; a failure fails the test with its stderr. */
export function run(cmd: string[]): string {
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw new Error(`${cmd.join(' ')}: ${r.error.message}; this test needs iproute2 (ip), python3 and root`);
  assert.equal(r.status, 0, `${cmd.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** The argv that runs `cmd` inside namespace `ns`. */
export const inNs = (ns: string, ...cmd: string[]): string[] => ['ip', 'netns', 'exec', ns, ...cmd];

/** Builds vnet-t-<pid>-<tag>-a/-r/-b: A —left— R —right— B. */
export function makeRoutedTriple(tag: string, left: RoutedSide, right: RoutedSide): RoutedTriple {
  if (process.getuid?.() !== 0) throw new Error('this test builds network namespaces and needs root (uid 0)');
  const [A, R, B] = ['a', 'r', 'b'].map((x) => `vnet-t-${process.pid}-${tag}-${x}`);
  const triple = { A, R, B, remove: () => { for (const ns of [A, R, B]) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 }); } };
  for (const ns of [A, R, B]) run(['ip', 'netns', 'add', ns]);
  for (const [host, side] of [[A, left], [B, right]] as const) {
    const mtu = side.mtu === undefined ? [] : ['mtu', String(side.mtu)];
    run(['ip', 'link', 'add', side.hostDev, 'netns', host, ...mtu, 'type', 'veth', 'peer', 'name', side.routerDev, 'netns', R, ...mtu]);
    run(inNs(host, 'ip', 'addr', 'add', `${side.host}/24`, 'dev', side.hostDev));
    run(inNs(R, 'ip', 'addr', 'add', `${side.router}/24`, 'dev', side.routerDev));
    run(inNs(host, 'ip', 'link', 'set', side.hostDev, 'up'));
    run(inNs(R, 'ip', 'link', 'set', side.routerDev, 'up'));
  }
  run(inNs(R, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'));
  run(inNs(A, 'ip', 'route', 'add', 'default', 'via', left.router));
  run(inNs(B, 'ip', 'route', 'add', 'default', 'via', right.router));
  return triple;
}
