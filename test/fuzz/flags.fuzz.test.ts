// Seeded fuzzing of flag and argument values: for a table of commands, random and mutated values run
// in-process (as the REPL runs them) must end in exit 0, or exit 2 with one `vnet:` line on stderr: never a
// stack trace, never exit 1, never an error that escapes the command. VNET_FUZZ_CASES sets how many cases
// (default 300), VNET_FUZZ_SEED the seed (default 1); a failure prints the seed and the command line;
// VNET_FUZZ_TRACE=1 prints each case before it runs (to find one that hangs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/engine/rng.js';
import { InProcessCli } from '../cli/in-process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CASES = Number(process.env.VNET_FUZZ_CASES ?? 300);
const SEED = Number(process.env.VNET_FUZZ_SEED ?? 1);

/** A command with one slot that takes the fuzzed value; `valid` is a value it accepts, to mutate from. */
interface Target {
  id: string;
  argv: (v: string, dir: string) => string[];
  valid: string;
  /** Exit codes besides 0 and 2 that the command documents (listen: 124 when --timeout passes). */
  alsoExits?: number[];
}

const targets: Target[] = [
  { id: 'router:add', argv: (v) => [v, '--parent', 'internet', '--cidr', '10.200.0.0/16'], valid: 'lab' },
  { id: 'router:add', argv: (v) => ['r', '--parent', 'internet', '--cidr', v], valid: '10.201.0.0/16' },
  { id: 'router:add', argv: (v) => ['r', '--parent', 'internet', '--cidr', '10.202.0.0/16', '--vlan', v], valid: '100,200' },
  { id: 'router:add', argv: (v) => ['r', '--parent', 'internet', '--cidr', '10.203.0.0/16', '--mtu', v], valid: '1400' },
  { id: 'router:add', argv: (v) => ['r', '--parent', 'internet', '--cidr', '10.204.0.0/16', '--queue-size', v], valid: '64' },
  { id: 'router:add', argv: (v) => ['r', '--parent', 'internet', '--cidr', '10.205.0.0/16', '--ip', v], valid: '203.0.113.77' },
  { id: 'router:add', argv: (v) => ['r', '--parent', 'internet', '--cidr', '10.206.0.0/16', '--min-delay', v], valid: '5ms' },
  { id: 'router:add', argv: (v) => ['r', '--parent', 'internet', '--cidr', '10.207.0.0/16', '--gateway', v], valid: '10.207.0.9' },
  { id: 'nat:set', argv: (v) => ['home', '--port-range', v], valid: '20000-30000' },
  { id: 'nat:set', argv: (v) => ['home', '--mapping-lifetime', v], valid: '2m' },
  { id: 'nat:set', argv: (v) => ['home', '--nat', v], valid: 'symmetric' },
  { id: 'host:add', argv: (v) => [v, '--router', 'home'], valid: 'bob' },
  { id: 'host:add', argv: (v) => ['h', '--router', 'home', '--ip', v], valid: '192.168.1.50' },
  { id: 'host:add', argv: (v) => ['h', '--router', 'home', '--mac', v], valid: '02:00:00:00:00:09' },
  { id: 'host:add', argv: (v) => ['h', '--router', 'home', '--mtu', v], valid: '1200' },
  { id: 'host:show', argv: (v) => [v], valid: 'alice' },
  { id: 'filter:add', argv: (v) => [v, '--loss', '1'], valid: 'home/uplink' },
  { id: 'filter:add', argv: (v) => ['alice', '--loss', v], valid: '2%' },
  { id: 'filter:add', argv: (v) => ['alice', '--delay', v], valid: '30ms' },
  { id: 'filter:add', argv: (v) => ['alice', '--delay', '10ms', '--jitter', v], valid: '5ms' },
  { id: 'filter:add', argv: (v) => ['alice', '--rate', v], valid: '4mbit' },
  { id: 'filter:add', argv: (v) => ['alice', '--rate', '1mbit', '--burst', v], valid: '32kb' },
  { id: 'filter:add', argv: (v) => ['alice', '--loss-model', v], valid: 'gemodel:1,10' },
  { id: 'filter:add', argv: (v) => ['alice', '--drop-match', v], valid: 'udp and dst port 53' },
  { id: 'filter:add', argv: (v) => ['alice', '--loss', '1', '--seed', v], valid: '7' },
  { id: 'filter:change', argv: (v) => [v, '--loss', '3'], valid: '1' },
  { id: 'filter:rm', argv: (v) => [v], valid: '999' },
  { id: 'filter:ls', argv: (v) => [v], valid: 'alice/eth0' },
  { id: 'map:rm', argv: (v) => [v], valid: '1' },
  { id: 'proxy:rm', argv: (v) => [v], valid: '1' },
  { id: 'capture:stop', argv: (v) => [v], valid: '1' },
  { id: 'capture:start', argv: (v, dir) => [v, '-w', join(dir, 'c.pcapng')], valid: 'home/lan' },
  { id: 'capture:start', argv: (v, dir) => ['alice', '-w', join(dir, 'c.pcap'), '--snaplen', v], valid: '128' },
  { id: 'dns:add', argv: (v) => [v, '198.51.100.9'], valid: 'example.test' },
  { id: 'dns:add', argv: (v) => ['n.test', v], valid: '198.51.100.9' },
  { id: 'clock:advance', argv: (v) => [v], valid: '250ms' },
  { id: 'send', argv: (v) => ['alice', v, '--data', 'x'], valid: '198.51.100.7:7' },
  { id: 'send', argv: (v) => ['alice', '198.51.100.7:7', '--count', v], valid: '2' },
  { id: 'send', argv: (v) => ['alice', '198.51.100.7:7', '--size', v], valid: '100' },
  { id: 'send', argv: (v) => ['alice', '198.51.100.7:7', '--from-port', v], valid: '5000' },
  { id: 'send', argv: (v) => ['alice', '198.51.100.7:7', '--hex', v], valid: '00ff' },
  { id: 'send', argv: (v) => ['alice', '198.51.100.7:7', '--count', '2', '--interval', v], valid: '20ms' },
  { id: 'listen', argv: (v) => [v, '--count', '1'], valid: 'server:7' },
  { id: 'listen', argv: (v) => ['server:8', '--count', v], valid: '1' },
  { id: 'listen', argv: (v) => ['server:9', '--timeout', v], valid: '1s', alsoExits: [124] },
  { id: 'demo', argv: (v) => ['--seed', v], valid: '7' },
];

/** Values that have broken parsers before, or could. */
const NASTY = [
  '', ' ', '-1', '0', '1', '-0', '01', '007', '1.5', '1e3', '0x10', '0b1', 'NaN', 'Infinity', '-Infinity', 'null', 'undefined',
  '4294967296', '99999999999999999999999', '-99999999999', '65536', '4095', '1,2,3', ',', '1-', '-', '--', '--json', '-h',
  '%', '100%', '101%', '-5%', '1ms', '-1ms', '1h', '999999h', '1mbit', '0kbit', 'abc', 'home', 'home/', 'home/lan', '/',
  'alice:', ':7', 'alice:0', 'alice:65536', '010.0.0.0/8', ' 10.0.0.0/8', '10.0.0.0/8 ', '10.0.0.0/33', '255.255.255.255',
  '0.0.0.0', '1.2.3', '1.2.3.4.5', 'a\nb', 'tab\there', '"quoted"', "'", '\\', '$(echo)', 'ünïcödé', '😀', '\u0000',
  'x'.repeat(5000),
];

const CHARS = '0123456789-.,:/%abcxyz \n';

function mutate(rng: Rng, valid: string): string {
  let s = valid;
  const edits = rng.int(1, 3);
  for (let i = 0; i < edits; i++) {
    const at = rng.int(0, s.length);
    const c = CHARS[rng.int(0, CHARS.length - 1)];
    switch (rng.int(0, 4)) {
      case 0: s = s.slice(0, at) + c + s.slice(at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1); break;
      case 2: s = s.slice(0, at) + c + s.slice(at + 1); break;
      case 3: s = s + s; break;
      default: s = `-${s}`;
    }
  }
  return s;
}

function valueFor(rng: Rng, t: Target): string {
  const pick = rng.float();
  if (pick < 0.45) return NASTY[rng.int(0, NASTY.length - 1)];
  if (pick < 0.9) return mutate(rng, t.valid);
  return t.valid;
}

let cli: InProcessCli;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vnet-fuzz-'));
  cli = await InProcessCli.load(root);
  for (const [id, argv] of [
    ['router:add', ['internet', '--cidr', '0.0.0.0/0']],
    ['router:add', ['home', '--parent', 'internet', '--cidr', '192.168.1.0/24', '--nat', 'port-restricted']],
    ['host:add', ['alice', '--router', 'home']],
    ['host:add', ['server', '--router', 'internet', '--ip', '198.51.100.7']],
    ['filter:add', ['alice', '--loss', '1']],
  ] as [string, string[]][]) {
    const r = await cli.run(id, argv);
    assert.equal(r.code, 0, r.stderr);
  }
});
after(async () => {
  await cli.run('capture:stop', ['--all']);
  cli.close();
  rmSync(dir, { recursive: true, force: true });
});

test(`flag values: ${CASES} seeded cases (seed ${SEED}) end in exit 0 or 2 with one error line`, async () => {
  const rng = new Rng(SEED);
  const failures: string[] = [];
  const exits = new Map<number | null, number>();
  for (let i = 0; i < CASES; i++) {
    const t = targets[rng.int(0, targets.length - 1)];
    const argv = t.argv(valueFor(rng, t), dir);
    if (process.env.VNET_FUZZ_TRACE) process.stderr.write(`case ${i}: ${t.id} ${JSON.stringify(argv).slice(0, 200)}\n`);
    const r = await cli.run(t.id, argv);
    exits.set(r.code, (exits.get(r.code) ?? 0) + 1);
    const line = `vnet ${t.id.replace(/:/g, ' ')} ${argv.map((a) => JSON.stringify(a.length > 60 ? `${a.slice(0, 60)}…` : a)).join(' ')}`;
    const errLines = r.stderr.split('\n').filter((l) => l !== '' && !/^vnet: listening on /.test(l));
    const problem =
      r.thrown ? `threw past the command: ${r.thrown.stack?.split('\n').slice(0, 3).join(' | ')}`
      : r.code !== 0 && r.code !== 2 && !t.alsoExits?.includes(r.code ?? -1) ? `exit ${r.code}, want 0 or 2: ${r.stderr.slice(0, 300)}`
      : /^\s+at .+\(.*:\d+:\d+\)$/m.test(r.stderr) ? `a stack trace on stderr: ${r.stderr.slice(0, 300)}`
      : /Warning/.test(r.stderr) ? `a warning from Node: ${r.stderr.slice(0, 300)}`
      : r.code === 2 && (errLines.length !== 1 || !errLines[0].startsWith('vnet: ')) ? `want one "vnet:" line, got ${JSON.stringify(r.stderr.slice(0, 300))}`
      : r.stderr.length > 1000 ? `${r.stderr.length} bytes of stderr`
      : undefined;
    if (problem) failures.push(`case ${i}: ${line}: ${problem}`);
  }
  const summary = [...exits].map(([code, n]) => `exit ${code}: ${n}`).join(', ');
  assert.deepEqual(failures, [], `seed ${SEED} (${summary}):\n${failures.slice(0, 20).join('\n')}`);
});
