// Fuzz: topology files (mutated valid files, random nesting, anchors and aliases) through
// parseTopology and applyTopology raise VnetError with one line naming the file, and nothing
// else: no other error type, no Node warning, no crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VnetError } from '../../src/engine/errors.js';
import { Network } from '../../src/engine/network.js';
import { applyTopology, parseTopology } from '../../src/session/topology.js';
import { BASE } from '../fixtures/topology/helpers.js';
import { Fuzz, fuzzCases, fuzzSeed } from './mutate.js';

const CASES = fuzzCases(1200, 0.3);

const VALID = [
  BASE,
  `version: 1
clock: virtual
seed: 7
routers:
  - { name: internet, cidr: 0.0.0.0/0 }
  - name: home
    parent: internet
    cidr: 192.168.1.0/24
    uplink: { ips: [203.0.113.10] }
    nat: { mapping: ei, filtering: apd, hairpin: true, lifetime: 2m }
    vlan: [100, 42]
  - { name: lab, parent: home, cidr: 10.9.0.0/16, nat: none, minDelay: 5ms, queueSize: 64 }
hosts:
  - { name: alice, router: home, mac: "02:00:00:00:00:01" }
  - { name: bob, router: lab, ips: [10.9.0.5, 10.9.0.6], mtu: 1400 }
  - { name: server, router: internet, ips: [198.51.100.7] }
filters:
  - { on: home/uplink, loss: 2%, delay: 30ms, jitter: 5ms, rate: 4mbit }
  - { on: bob, direction: ingress, duplicate: 1% }
dns:
  - { name: server.example, ip: 198.51.100.7 }
  - { name: bob.lab, ip: 10.9.0.5, router: lab }
`,
  `{"version": 1, "routers": [{"name": "internet", "cidr": "0.0.0.0/0"}], "hosts": [{"name": "h", "router": "internet"}]}\n`,
  `anchors: &r { name: internet, cidr: 0.0.0.0/0 }\nrouters: [*r]\n`,
];

/** Pieces a mutation inserts: brackets, anchors, aliases, YAML indicators, odd scalars. */
const PIECES = [
  '[', ']', '{', '}', ',', ': ', '- ', '? ', '&a ', '*a', '&b [*a, *a, *a]', '*b', '!!str ', '!!binary ', '|', '>', '"', "'", '#', '\n', '\n  ', '\t',
  '0x10', '1e400', '-0', '.nan', 'null', '~', 'true', '2%', '1000000000000000000000ms', '255.255.255.255/33', '%YAML 1.2\n---\n', '---\n', '...\n',
  '<<: *a\n', '\u0000', '\ufeff', '💥', 'captures: [{ on: [alice], file: x.pcapng }]\n',
];

function mutateText(f: Fuzz, text: string): string {
  let t = text;
  for (let r = 1 + f.int(4); r > 0; r--) {
    const at = f.int(t.length + 1);
    switch (f.int(5)) {
      case 0:
        t = t.slice(0, at) + f.pick(PIECES) + t.slice(at);
        break;
      case 1:
        t = t.slice(0, at) + t.slice(at + 1 + f.int(20));
        break;
      case 2: {
        // A line doubled, or moved deeper.
        const lines = t.split('\n');
        const i = f.int(lines.length);
        if (f.chance(0.5)) lines.splice(i, 0, lines[i]);
        else lines[i] = `${' '.repeat(1 + f.int(8))}${lines[i]}`;
        t = lines.join('\n');
        break;
      }
      case 3:
        t = t.slice(0, at) + randomNesting(f, 1 + f.int(f.chance(0.1) ? 60 : 8)) + t.slice(at);
        break;
      default: {
        const bytes = new TextEncoder().encode(t);
        t = new TextDecoder().decode(f.mutate(bytes));
      }
    }
  }
  return t;
}

/** Flow and block collections nested `depth` deep, with anchors and aliases on the way. */
function randomNesting(f: Fuzz, depth: number): string {
  let s = f.pick(['x', '1', '"q"', '*a', '[]', '{}']);
  for (let d = 0; d < depth; d++) {
    const anchor = f.chance(0.2) ? `&${f.pick(['a', 'b', 'c'])} ` : '';
    switch (f.int(4)) {
      case 0:
        s = `${anchor}[${s}, ${f.pick(['*a', '*b', 'y'])}]`;
        break;
      case 1:
        s = `${anchor}{k${d}: ${s}}`;
        break;
      case 2:
        s = `${anchor}[${s}]`;
        break;
      default:
        s = `${anchor}{${f.chance(0.3) ? `[${s}]: v` : `k: ${s}`}}`;
    }
  }
  return s;
}

test(`fuzz topology files: ${CASES} mutated files raise one-line VnetErrors naming the file, or apply`, async () => {
  const f = new Fuzz(fuzzSeed('topology-files'));
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on('warning', onWarning);
  let applied = 0;
  try {
    for (let i = 0; i < CASES; i++) {
      const text = f.chance(0.1) ? `version: 1\nrouters: ${randomNesting(f, 1 + f.int(80))}\n` : mutateText(f, f.pick(VALID));
      const net = new Network({ clock: 'virtual', seed: 1 });
      try {
        applyTopology(net, parseTopology(text, 'fuzz.yaml'));
        applied++;
      } catch (err) {
        if (!(err instanceof VnetError)) assert.fail(`case ${i}: threw ${(err as Error)?.name}: ${(err as Error)?.message}, want only VnetError; input ${JSON.stringify(text)}`);
        assert.match(err.message, /^fuzz\.yaml\b/, `case ${i}: the error names the file; input ${JSON.stringify(text)}`);
        assert.ok(!err.message.includes('\n'), `case ${i}: one line: ${JSON.stringify(err.message)}`);
      } finally {
        net.close();
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, [], 'no Node warnings');
  assert.ok(applied > 0, 'some mutated files still apply (the mutations are not all fatal)');
});
