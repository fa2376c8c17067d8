// The e2e sandbox kills whatever a test started, not just the vnet process: a program vnet runs (exec)
// must not outlive the test, holding the test file's pipes open.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CliSandbox, stderrLine, waitUntil } from './cli-helpers.js';

/** Running: a process killed but not yet reaped by its parent is a zombie, dead. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('cleanup kills the programs vnet started too: a program under vnet exec dies with it', async () => {
  const box = new CliSandbox();
  let pid = 0;
  try {
    const topo = join(box.dir, 'solo.yaml');
    writeFileSync(topo, 'routers:\n  - { name: internet, cidr: 0.0.0.0/0 }\nhosts:\n  - { name: bob, router: internet }\n');
    const child = box.spawn(['exec', '-f', topo, '--host', 'bob', '--', 'sh', '-c', 'echo "pid $$" >&2; exec sleep 600']);
    pid = Number((await stderrLine(child, /^pid \d+$/)).slice(4));
    assert.ok(alive(pid));
  } finally {
    box.cleanup();
  }
  await waitUntil(() => !alive(pid), `the program (pid ${pid}) to be killed with vnet`, 2000); // SIGKILL lands a moment after it is sent
});
