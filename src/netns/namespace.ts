// A Linux network namespace for a netns host, built with iproute2 around a TUN device opened here:
// the device is made in this namespace, moved in, renamed eth0 and given the host's addresses, MTU and
// a default route via its router's gateway; /etc/netns/NAME/resolv.conf names the gateway as the
// resolver (`ip netns exec` binds it over /etc/resolv.conf). Removal kills what runs inside first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalid, VnetError } from '../engine/errors.js';

/** Where `ip netns exec` finds per-namespace files to bind over /etc. */
const ETC_NETNS = '/etc/netns';
/** CAP_NET_ADMIN (devices, addresses, routes) and CAP_SYS_ADMIN (`ip netns add` mounts and unshares). */
const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;

export interface NamespaceConfig {
  /** The namespace's name (what `ip netns list` shows). */
  name: string;
  /** The TUN device's name in this namespace before it moves (IFNAMSIZ: at most 15 bytes). */
  device: string;
  /** Addresses as a.b.c.d/prefix, the first the primary. */
  addresses: string[];
  mtu: number;
  gateway: string;
}

/**
 * Why this process cannot make namespaces and TUN devices (one line with the mend), or null when it can.
 * The effective capabilities decide, not the uid: root with its capabilities dropped cannot either.
 */
export function missingPrivilege(): string | null {
  let caps = 0n;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) caps = BigInt(`0x${m[1]}`);
  } catch {
    // No /proc: not Linux, so no namespaces either.
  }
  const lacking = [[CAP_NET_ADMIN, 'CAP_NET_ADMIN'], [CAP_SYS_ADMIN, 'CAP_SYS_ADMIN']]
    .filter(([bit]) => (caps & (1n << BigInt(bit))) === 0n).map(([, name]) => name);
  if (lacking.length === 0) return null;
  return `netns hosts need root (the session lacks ${lacking.join(' and ')} to make network namespaces and TUN devices); start the session as root (sudo vnet up)`;
}

/** Runs iproute2 (or another tool) and returns its stdout; a failure says the command and its stderr. */
export function run(argv: string[], input?: string): string {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (err) {
    const e = err as { stderr?: string; code?: string; message: string };
    if (e.code === 'ENOENT') throw invalid(`${argv[0]} is not installed; netns hosts need iproute2 (apt-get install iproute2)`);
    throw new VnetError('EINVAL', `${argv.join(' ')} failed: ${(e.stderr ?? '').trim().split('\n')[0] || e.message}`, { cause: err });
  }
}

/** Where iproute2 keeps named namespaces (bind mounts of /proc/PID/ns/net). */
const RUN_NETNS = '/run/netns';

/** True when a namespace of that name exists (its file under /run/netns: no process to spawn). */
export function namespaceExists(name: string): boolean {
  return existsSync(join(RUN_NETNS, name));
}

/** Makes the namespace (it must not exist yet). */
export function addNamespace(name: string): void {
  run(['ip', 'netns', 'add', name]);
}

/** Moves the TUN device in and configures it and loopback; writes the resolver file. */
export function configureNamespace(c: NamespaceConfig): void {
  run(['ip', 'link', 'set', 'dev', c.device, 'netns', c.name]);
  const lines = [
    `link set dev ${c.device} name eth0`,
    `link set dev eth0 mtu ${c.mtu}`,
    ...c.addresses.map((a) => `addr add ${a} dev eth0`),
    'link set dev eth0 up',
    'link set dev lo up',
    `route add default via ${c.gateway} dev eth0 onlink`,
  ];
  run(['ip', '-n', c.name, '-batch', '-'], `${lines.join('\n')}\n`);
  const etc = join(ETC_NETNS, c.name);
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(etc, 'resolv.conf'), `# written by vnet: the router's gateway answers for \`vnet dns\` names\nnameserver ${c.gateway}\n`);
}

/** Kills every process in the namespace, removes it and its /etc/netns files. Safe when it is gone already. */
export function removeNamespace(name: string): void {
  killAll(name);
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    // Gone already (or never made).
  }
  rmSync(join(ETC_NETNS, name), { recursive: true, force: true });
}

/** SIGKILLs the processes in the namespace, again until none is left (a fork between listing and killing). */
function killAll(name: string): void {
  for (let round = 0; round < 5; round++) {
    let pids: number[];
    try {
      pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 })
        .split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 0 && p !== process.pid);
    } catch {
      return; // No such namespace.
    }
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Exited meanwhile.
      }
    }
  }
}
