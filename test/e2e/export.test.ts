// End to end: `vnet export` then `vnet up -f` rebuilds a session; `apply -f` and `up -f` of a bad file
// change nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildNatTopology, CliSandbox } from './cli-helpers.js';

const box = new CliSandbox();
after(() => box.cleanup());

before(async () => {
  await box.ok(['up', '--clock', 'virtual', '--seed', '1', '--session', 'main']);
  await buildNatTopology(box, 'main');
});

// Commands that do not depend on each other run at once: the test waits on processes, not on the CPU.
test('export then up -f reproduces a session; apply of a malformed or conflicting file exits 2 and changes nothing', async () => {
  await Promise.all([
    box.ok(['filter', 'add', 'home/uplink', '--loss', '2%', '--delay', '30ms', '--session', 'main']),
    box.ok(['dns', 'add', 'server.example', '198.51.100.7', '--session', 'main']),
  ]);
  const file = join(box.dir, 'main.yaml');
  await box.ok(['export', '-o', file, '--session', 'main']);
  await box.ok(['up', '-f', file, '--session', 'copy']);
  const strip = (s: { session: unknown; routers: { interfaces: { stats: unknown }[] }[]; hosts: { interfaces: { stats: unknown }[]; sockets: unknown }[] }): unknown =>
    JSON.stringify({
      routers: s.routers.map((r) => ({ ...r, interfaces: r.interfaces.map((i) => ({ ...i, stats: null })) })),
      hosts: s.hosts.map((h) => ({ ...h, sockets: null, interfaces: h.interfaces.map((i) => ({ ...i, stats: null })) })),
    });
  type S = Parameters<typeof strip>[0] & { filters: unknown; names: unknown };
  const [original, copy, exportedCopy, exportedMain] = await Promise.all([
    box.json<S>(['status', '--session', 'main']),
    box.json<S>(['status', '--session', 'copy']),
    box.ok(['export', '--session', 'copy']),
    box.ok(['export', '--session', 'main']),
  ]);
  assert.equal(strip(copy), strip(original), 'same routers, hosts, addresses, MACs and NAT settings');
  assert.deepEqual(copy.filters, original.filters);
  assert.deepEqual(copy.names, original.names);
  assert.equal(exportedCopy, exportedMain);

  const bad: [string, RegExp][] = [
    ['routers:\n  - { name: x, cidr: 10.0.0.0/8\n', /bad\.yaml:\d+/],
    ['routers:\n  - { name: lab, parent: home, cidr: 192.168.0.0/16 }\n', /bad\.yaml:2: routers\[0\].*overlaps/],
    ['hosts:\n  - { name: carol, router: nowhere }\n', /bad\.yaml:2: hosts\[0\].*nowhere/],
  ];
  const [upBad, upMissing] = await Promise.all([
    box.run(['up', '-f', writeBad('routers: [ { name: x } ]\n', 'up'), '--session', 'never']),
    box.run(['up', '-f', join(box.dir, 'missing.yaml'), '--session', 'never-either']),
    ...bad.map(async ([text, pattern], i) => {
      const [fromStdin, named] = await Promise.all([
        box.run(['apply', '-f', '-', '--session', 'copy'], { input: text }),
        box.run(['apply', '-f', writeBad(text, String(i)), '--session', 'copy']),
      ]);
      assert.equal(fromStdin.code, 2, fromStdin.stderr);
      assert.equal(named.code, 2, named.stderr);
      assert.match(named.stderr, pattern);
    }),
  ]);
  assert.deepEqual(await box.json(['status', '--session', 'copy']), copy, 'the bad files changed nothing');
  assert.equal(upBad!.code, 2);
  assert.match(upBad!.stderr, /bad\.yaml:1: routers\[0\]: missing key "cidr"/);
  assert.equal(existsSync(join(box.dir, 'never.sock')), false, 'an invalid file starts no session');
  assert.equal(upMissing!.code, 2);
  assert.match(upMissing!.stderr, /^vnet: no topology file .*missing\.yaml; check the path/);
  assert.equal(existsSync(join(box.dir, 'never-either.sock')), false, 'a missing file starts no session');
  await box.ok(['down', '--session', 'copy']);
});

/** Writes `text` to a file named bad.yaml (errors name it) in a directory of its own, `name`. */
function writeBad(text: string, name: string): string {
  mkdirSync(join(box.dir, name));
  const f = join(box.dir, name, 'bad.yaml');
  writeFileSync(f, text);
  return f;
}
