// Shell completion against a real daemon: interface names for every IFACE (capture start, filter add/ls) from bash,
// zsh and fish through `vnet __names`, which answers without loading the CLI; each Tab is timed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BIN, CliSandbox, ROOT } from './cli-helpers.js';

const box = new CliSandbox();
const s = ['--session', 'tab'];
const binDir = join(box.dir, 'bin');
const env = (): Record<string, string> => ({ ...box.env, VNET_SESSION: 'tab', PATH: `${binDir}:${dirname(process.execPath)}:${box.env.PATH ?? ''}` });
/** What one Tab may cost here, loose for a busy machine (the old path took 0.6 s idle, 1.7 s at load 11); the figures are printed. */
const TAB_BUDGET_MS = 1000;

before(async () => {
  mkdirSync(binDir);
  symlinkSync(BIN, join(binDir, 'vnet'));
  const r = await box.run(['up', '--clock', 'virtual', ...s]);
  assert.equal(r.code, 0, r.stderr);
  await box.ok(['router', 'add', 'internet', '--cidr', '0.0.0.0/0', ...s]);
  await box.ok(['router', 'add', 'home', '--parent', 'internet', '--cidr', '192.168.1.0/24', ...s]);
  await box.ok(['host', 'add', 'alice', '--router', 'home', ...s]);
});
after(() => box.cleanup());

/** Runs a shell snippet; returns its stdout and how long it took. */
function shell(cmd: string, args: string[], extra: Record<string, string> = {}): { out: string; ms: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...env(), ...extra }, timeout: 15_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return { out: r.stdout.trim(), ms };
}

function bash(...words: string[]): { out: string; ms: number } {
  // The script is sourced first; only the completion function itself (one Tab) is timed, inside bash.
  const r = shell('bash', ['-c',
    `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); t0=$EPOCHREALTIME; _vnet; t1=$EPOCHREALTIME; ` +
    'echo "${COMPREPLY[*]}"; echo "$t0 $t1"', '_', join(ROOT, 'completions', 'vnet.bash'), ...words]);
  const [out, times] = r.out.split('\n');
  const [t0, t1] = times.split(' ').map(Number);
  return { out: out.trim(), ms: (t1 - t0) * 1000 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('bash completes interfaces wherever an IFACE is taken, from the live session', (t) => {
  const cases: [string[], string][] = [
    [['vnet', 'capture', 'start', 'home/'], 'home/lan home/uplink'],
    [['vnet', 'capture', 'start', 'home/lan', 'alice/'], 'alice/eth0'],
    [['vnet', 'filter', 'add', 'home/u'], 'home/uplink'],
    [['vnet', 'filter', 'ls', 'in'], 'internet internet/lan'],
    [['vnet', 'host', 'show', ''], 'alice'],
  ];
  const times: number[] = [];
  for (const [words, want] of cases) {
    const r = bash(...words);
    assert.equal(r.out, want, `completing ${words.join(' ')}: got ${JSON.stringify(r.out)}, want ${JSON.stringify(want)}`);
    times.push(r.ms);
  }
  t.diagnostic(`bash: ms per Tab ${times.map((x) => x.toFixed(0)).join(', ')}`);
  assert.ok(median(times) < TAB_BUDGET_MS, `a Tab took ${median(times).toFixed(0)} ms (median), want < ${TAB_BUDGET_MS}`);
});

test('no session: nothing is completed, quickly', (t) => {
  const r = shell('bash', ['-c', `source "$1"; COMP_WORDS=(vnet capture start h); COMP_CWORD=3; _vnet; echo "\${COMPREPLY[*]}"`, '_', join(ROOT, 'completions', 'vnet.bash')], { VNET_SESSION: 'none' });
  assert.equal(r.out, '');
  t.diagnostic(`bash with no session: ${r.ms.toFixed(0)} ms including bash's start`);
  assert.ok(r.ms < TAB_BUDGET_MS, `took ${r.ms.toFixed(0)} ms`);
});

test('fish completes interfaces for capture start and filter add', (t) => {
  const script = join(ROOT, 'completions', 'vnet.fish');
  const fish = (line: string): string => shell('fish', ['--no-config', '-c', `source ${script}; complete -C ${JSON.stringify(line)}`]).out
    .split('\n').map((l) => l.split('\t')[0]).join(' ');
  assert.equal(fish('vnet capture start home/'), 'home/lan home/uplink');
  assert.equal(fish('vnet filter add alice/'), 'alice/eth0');
  const t0 = Date.now();
  fish('vnet capture start --session tab home/');
  t.diagnostic(`fish: ${Date.now() - t0} ms for a Tab including fish's start`);
});

test('zsh asks `vnet __names` with the session typed on the line', () => {
  // The function that feeds _arguments, run with compadd stubbed to print what it would offer.
  const script = join(ROOT, 'completions', '_vnet');
  const r = shell('zsh', ['-f', '-c',
    `eval "$(sed '$d' ${script})"; compadd() { print -rl -- $names }; _vnet_bin=vnet; _vnet_session=tab; _vnet_node_names -J x iface`]);
  assert.deepEqual(r.out.split('\n'), ['internet', 'internet/lan', 'home', 'home/lan', 'home/uplink', 'alice', 'alice/eth0']);
});
