#!/usr/bin/env node
// The system programs the tests drive, and how `npm test` gets them: when some are missing it installs
// their Debian packages itself if it can (root and apt-get), printing what it installs; otherwise it
// stops at once with one line naming the missing programs and the command that installs them.
// Run alone (`node scripts/test-tools.js`) it does just that and exits 0 (all present) or 1.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Program → the Debian package that provides it, with what the tests use it for. */
export const TOOLS = [
  ['tshark', 'tshark'], // reads the captures the tests write
  ['socat', 'socat'], // real UDP programs in the virtual network
  ['dnsmasq', 'dnsmasq-base'],
  ['dig', 'dnsutils'],
  ['jq', 'jq'], // the README's CI script
  ['groff', 'groff-base'], // the man pages are valid roff
  ['man', 'man-db'], // the README's `man vnet-router`
  ['zsh', 'zsh'], // the completions parse
  ['fish', 'fish'],
  ['script', 'bsdutils'], // a pseudo-terminal for the REPL and prompt tests
  ['dot', 'graphviz'], // `vnet show --format dot` renders
  ['ip', 'iproute2'], // network namespaces for the side-by-side tests against Linux
  ['nft', 'nftables'], // the Linux NAT the linux preset is compared with
  ['shellcheck', 'shellcheck'], // the scripts `vnet export --format netns|containerlab` writes
  ['turnutils_stunclient', 'coturn'], // a real STUN client (RFC 5389/5780) through `vnet map`
  ['natpmpc', 'natpmpc'], // a real NAT-PMP client (libnatpmp) against the virtual gateway, through vnet map
  // Real programs in netns hosts (test/netns/): any unmodified program through vnet's routers and NATs.
  ['ping', 'iputils-ping'],
  ['traceroute', 'traceroute'],
  ['curl', 'curl'],
  ['iperf3', 'iperf3'],
  ['python3', 'python3'], // python3 -m http.server
  ['turnserver', 'coturn'], // RFC 5780 discovery from a real client behind each NAT
  ['turnutils_natdiscovery', 'coturn'],
  ['python3', 'python3'], // Linux's multicast routes (MRT_* socket options) beside vnet's
];

/** The programs of TOOLS not found on `path` (a PATH string). */
export function missingTools(path = process.env.PATH ?? '') {
  return TOOLS.filter(([tool]) => !onPath(tool, path));
}

/** Whether an executable `tool` is in one of the directories of `path`. */
function onPath(tool, path = '') {
  return path.split(delimiter).some((d) => {
    if (d === '') return false;
    try {
      accessSync(join(d, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Makes sure every tool is there: returns null when all are (installing the missing ones first when
 * running as root with apt-get on PATH), else the one line to print before failing.
 */
export function ensureTools({ env = process.env, isRoot = process.getuid?.() === 0, log = (line) => console.log(line) } = {}) {
  const missing = missingTools(env.PATH);
  if (missing.length === 0) return null;
  const names = missing.map(([tool]) => tool).join(', ');
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))];
  const install = `apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  const canInstall = isRoot && onPath('apt-get', env.PATH);
  if (!canInstall) {
    const how = isRoot ? `no apt-get here to install them; on Debian: ${install}` : `as root, run: ${install}`;
    return `missing programs the tests need: ${names}; ${how}`;
  }
  log(`npm test: installing what the tests need (${names}): ${install}`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...pkgs]]) {
    const r = spawnSync('apt-get', args, { env: aptEnv, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) return `apt-get ${args[0]} failed (exit ${r.status ?? r.signal}) while installing ${names}; run \`${install}\` by hand and look at its errors`;
  }
  const still = missingTools(env.PATH);
  if (still.length > 0) return `after apt-get install, still missing: ${still.map(([tool]) => tool).join(', ')}; check that the packages installed them on PATH`;
  return null;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problem = ensureTools();
  if (problem) {
    console.error(`npm test: ${problem}`);
    process.exit(1);
  }
}
