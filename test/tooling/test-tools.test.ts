// `npm test` on a fresh machine: missing system programs are installed by apt-get when it can (root),
// and otherwise the run stops at once with one line naming them and the command that installs them.
// Driven with a PATH of stand-ins and a fake apt-get in a temp dir: nothing is installed for real.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'test-tools.js');
const TOOLS = ['tshark', 'socat', 'dnsmasq', 'dig', 'jq', 'groff', 'man', 'zsh', 'fish', 'script', 'dot', 'ip', 'nft', 'python3'];

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A directory for PATH holding a stand-in for each of `tools`, and `apt-get` when asked. */
function fakeBin(tools: string[], aptGet = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-tools-'));
  chmodSync(dir, 0o755);
  dirs.push(dir);
  for (const t of tools) stub(join(dir, t), 'exit 0');
  if (aptGet) {
    // Logs its arguments and DEBIAN_FRONTEND; `install` puts a stand-in for every program in place.
    stub(join(dir, 'apt-get'), `echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> ${dir}/apt.log\n` +
      `[ "$1" = install ] && for t in ${TOOLS.join(' ')}; do printf '#!/bin/sh\\n' > ${dir}/$t; /bin/chmod 755 ${dir}/$t; done\nexit 0`);
  }
  return dir;
}

function stub(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

function check(path: string, uid?: number): { status: number | null; stdout: string; stderr: string } {
  // Another user may not reach the checkout (a clone under a 0700 temporary directory): run a copy
  // of the script from the fake PATH directory, which is 0755.
  let script = SCRIPT;
  if (uid !== undefined) {
    script = join(path.split(':')[0], 'test-tools.mjs');
    copyFileSync(SCRIPT, script);
    chmodSync(script, 0o644);
  }
  const r = spawnSync(process.execPath, [script], { env: { PATH: path }, encoding: 'utf8', timeout: 30_000, ...(uid === undefined ? {} : { uid, gid: uid }) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const root = process.getuid?.() === 0;

test('every program present: nothing is printed or installed', () => {
  const dir = fakeBin(TOOLS, true);
  const r = check(dir);
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, '', '']);
  assert.throws(() => readFileSync(join(dir, 'apt.log')), 'apt-get was not run');
});

test('missing programs as root with apt-get: it says what it installs, then apt-get update and install non-interactively', () => {
  assert.ok(root, 'run the tests as root, as the reference machine and CI do: this checks the root install path');
  const dir = fakeBin(['tshark', 'socat', 'dig', 'man', 'zsh', 'fish', 'dot', 'ip', 'nft', 'python3'], true);
  const r = check(dir);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'npm test: installing what the tests need (dnsmasq, jq, groff, script): apt-get install -y --no-install-recommends dnsmasq-base jq groff-base bsdutils');
  assert.deepEqual(readFileSync(join(dir, 'apt.log'), 'utf8').trim().split('\n'), [
    'DEBIAN_FRONTEND=noninteractive update -qq',
    'DEBIAN_FRONTEND=noninteractive install -y -qq --no-install-recommends dnsmasq-base jq groff-base bsdutils',
  ]);
});

test('missing programs and no apt-get: one line naming them and the command, exit 1 at once', () => {
  const r = check(fakeBin(['tshark', 'socat', 'dnsmasq', 'dig', 'groff', 'man', 'zsh', 'fish', 'dot', 'ip', 'nft', 'python3']));
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^npm test: missing programs the tests need: jq, script; /);
  assert.match(lines[0], root ? /no apt-get here to install them; on Debian: apt-get install -y --no-install-recommends jq bsdutils$/ : /as root, run: apt-get install -y --no-install-recommends jq bsdutils$/);
});

test('missing programs, apt-get present but not root: one line with the install command; apt-get is not run', () => {
  assert.ok(root, 'run the tests as root, as the reference machine and CI do: this checks the root install path');
  const dir = fakeBin(['tshark', 'socat', 'dnsmasq', 'dig', 'jq', 'groff', 'man', 'zsh', 'fish', 'dot', 'ip', 'nft', 'python3'], true);
  const r = check(dir, 65534);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), 'npm test: missing programs the tests need: script; as root, run: apt-get install -y --no-install-recommends bsdutils');
  assert.throws(() => readFileSync(join(dir, 'apt.log')), 'apt-get was not run');
});

test('apt-get failing stops the run with its exit status and the command to run by hand', () => {
  assert.ok(root, 'run the tests as root, as the reference machine and CI do: this checks the root install path');
  const dir = fakeBin(TOOLS.filter((t) => t !== 'zsh'));
  stub(join(dir, 'apt-get'), 'exit 100');
  const r = check(dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^npm test: apt-get update failed \(exit 100\) while installing zsh; run `apt-get install -y --no-install-recommends zsh` by hand/);
});
