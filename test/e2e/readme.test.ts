// The README's shell examples, run as written (with `vnet` on PATH), must do what the README says they do:
// the CI script, the man page and completion set-up, the error transcript.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BIN, CliSandbox, ROOT } from './cli-helpers.js';

const box = new CliSandbox();
after(() => box.cleanup());

/** The first ``` block (```sh by default) after a heading. */
function scriptAfter(heading: string, lang = 'sh'): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(heading);
  assert.ok(at >= 0, `README has a "${heading}" section`);
  const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(readme.slice(at));
  assert.ok(m, `a ${lang} block follows "${heading}"`);
  return m[1];
}

/** A directory with bin/vnet running this checkout's CLI; removed after the test. */
function workDir(t: { after(fn: () => void): void }): { work: string; path: string } {
  const work = mkdtempSync(join(tmpdir(), 'vnet-readme-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'vnet'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, 'vnet'), 0o755);
  return { work, path: `${bin}:${process.env.PATH}` };
}

test('the README\'s CI script runs as written and prints the NAT\'s address and one mapping', (t) => {
  const jq = spawnSync('jq', ['--version']);
  if (jq.status !== 0) throw new Error('jq is needed to run the README example; apt-get install -y jq');
  const { work, path } = workDir(t);
  writeFileSync(join(work, 'ci.sh'), scriptAfter('## From the shell'));
  const r = spawnSync('sh', ['ci.sh'], { cwd: work, env: { ...box.env, PATH: path }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `the script failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  const at = lines.indexOf('203.0.113.10:49153');
  assert.ok(at >= 0, `jq printed the NAT's address: ${r.stdout}`);
  assert.equal(lines[at + 1], '1', 'and one mapping');
  assert.match(lines.at(-1)!, /^session ci-\d+ stopped/, 'the trap stopped the session');
});

test('the README\'s man page and completion set-up runs as written: man finds vnet-router, the completions land where the shells look', (t) => {
  const { work, path } = workDir(t);
  const home = join(work, 'home');
  mkdirSync(home);
  // As written, from the clone's root (the block uses $PWD/man), then: which page does `man vnet-router` open?
  const script = `${scriptAfter('## Man pages and completions')}\nman -w vnet-router\nman vnet-router | head -n 20\n`;
  writeFileSync(join(work, 'man.sh'), script);
  const env = { ...box.env, PATH: path, HOME: home, MANPAGER: 'cat', PAGER: 'cat' };
  delete (env as Record<string, string | undefined>).MANPATH;
  const r = spawnSync('sh', ['-e', join(work, 'man.sh')], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `the block failed: ${r.stderr}`);
  assert.ok(r.stdout.includes(`${join(ROOT, 'man', 'man1', 'vnet-router.1')}\n`), `man -w vnet-router found this checkout's page: ${r.stdout.slice(-2000)}`);
  assert.match(r.stdout, /vnet-router - Routers in a tree/, 'and shows it');
  for (const f of ['.local/share/bash-completion/completions/vnet', '.zfunc/_vnet', '.config/fish/completions/vnet.fish']) {
    assert.ok(existsSync(join(home, f)), `~/${f} is in place`);
  }
});

test('the README\'s error transcript is what vnet prints, with exit status 2', async () => {
  const transcript = scriptAfter('Errors are one line on stderr', '');
  const [cmdLine, errLine, echo, status] = transcript.trim().split('\n');
  assert.equal(echo, '$ echo $?');
  const S = ['--session', 'errors'];
  await box.ok(['up', '--clock', 'virtual', ...S]);
  await box.ok(['router', 'add', 'internet', '--cidr', '0.0.0.0/0', ...S]);
  await box.ok(['router', 'add', 'home', '--parent', 'internet', '--cidr', '192.168.1.0/24', ...S]);
  const args = cmdLine.replace(/^\$ vnet /, '').split(' ');
  const r = await box.run([...args, ...S]);
  assert.equal(`${r.code}`, status);
  assert.equal(r.stderr.trim(), errLine);
  await box.ok(['down', ...S]);
});

test('the README\'s NAT-PMP example runs as written: the external address, a mapping, requested in nat show', (t) => {
  const { work, path } = workDir(t);
  writeFileSync(join(work, 'pmp.sh'), scriptAfter('## Port mapping: NAT-PMP and PCP'));
  const r = spawnSync('sh', ['-e', 'pmp.sh'], { cwd: work, env: { ...box.env, PATH: path }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `the script failed: ${r.stderr}`);
  assert.match(r.stdout, /external address 203\.0\.113\.10 \(gateway 192\.168\.1\.1, epoch 0\)/);
  assert.match(r.stdout, /^203\.0\.113\.10:40000$/m, 'jq printed the mapping');
  assert.match(r.stdout, /192\.168\.1\.2:5000 +203\.0\.113\.10:40000 .* 1m .*requested \(natpmp\)/);
  assert.match(r.stdout, /pcp tcp 192\.168\.1\.2:8080 -> 203\.0\.113\.10:\d+ for 7200s .*nonce [0-9a-f]{24}/);
});
