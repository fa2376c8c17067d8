// The README's CI script, run as written (with `vnet` on PATH), must do what the README says it does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BIN, CliSandbox, ROOT } from './cli-helpers.js';

const box = new CliSandbox();
after(() => box.cleanup());

/** The first ```sh block after a heading. */
function scriptAfter(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(heading);
  assert.ok(at >= 0, `README has a "${heading}" section`);
  const m = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m, `a sh block follows "${heading}"`);
  return m[1];
}

test('the README\'s CI script runs as written and prints the NAT\'s address and one mapping', () => {
  const jq = spawnSync('jq', ['--version']);
  if (jq.status !== 0) throw new Error('jq is needed to run the README example; apt-get install -y jq');
  const work = mkdtempSync(join(tmpdir(), 'vnet-readme-'));
  try {
    const bin = join(work, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'vnet'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(bin, 'vnet'), 0o755);
    writeFileSync(join(work, 'ci.sh'), scriptAfter('## From the shell'));
    const r = spawnSync('sh', ['ci.sh'], { cwd: work, env: { ...box.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `the script failed: ${r.stderr}`);
    const lines = r.stdout.trim().split('\n');
    const at = lines.indexOf('203.0.113.10:49153');
    assert.ok(at >= 0, `jq printed the NAT's address: ${r.stdout}`);
    assert.equal(lines[at + 1], '1', 'and one mapping');
    assert.match(lines.at(-1)!, /^session ci-\d+ stopped/, 'the trap stopped the session');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
