// The README's "play routing daemon" pipeline, run as written with `vnet` on PATH: events --follow
// → jq → xargs vnet mroute add installs the missing route, and the queued datagrams arrive.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BIN, CliSandbox, ROOT } from './cli-helpers.js';

const box = new CliSandbox();
after(() => box.cleanup());

test('the README\'s routing-daemon pipeline installs the missing route and the 3 queued datagrams arrive', (t) => {
  const jq = spawnSync('jq', ['--version']);
  if (jq.status !== 0) throw new Error('jq is needed to run the README example; apt-get install -y jq');
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('## Multicast');
  assert.ok(at >= 0, 'README has a Multicast section');
  const m = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m, 'a sh block follows it');
  const work = mkdtempSync(join(tmpdir(), 'vnet-mcast-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  mkdirSync(join(work, 'bin'));
  writeFileSync(join(work, 'bin', 'vnet'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(work, 'bin', 'vnet'), 0o755);
  writeFileSync(join(work, 'mc.sh'), m[1]);
  const r = spawnSync('sh', ['mc.sh'], { cwd: work, env: { ...box.env, PATH: `${join(work, 'bin')}:${process.env.PATH}` }, encoding: 'utf8', timeout: 90_000 });
  assert.equal(r.status, 0, `the script failed (${r.status}): ${r.stderr}`);
  const got = readFileSync(join(work, 'got.txt'), 'utf8').trim().split('\n');
  assert.equal(got.length, 3);
  for (const line of got) assert.match(line, /^198\.51\.100\.10:\d+ -> 10\.1\.0\.2:5000 5 bytes: hello$/);
  assert.match(r.stdout, /campus\s+\(198\.51\.100\.10, 239\.1\.1\.1\)\s+uplink\s+lan\s+resolved\s+-\s+3\s+99\s+0\s+0s/);
});
