// Bad usage of any command is exit 2 and one line that names the flag or argument and the mend; with --json
// the same error is also a JSON document on stdout. Values typed are quoted short.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { InProcessCli } from './in-process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let cli: InProcessCli;

before(async () => {
  cli = await InProcessCli.load(root);
  for (const [id, argv] of [
    ['router:add', ['internet', '--cidr', '0.0.0.0/0']],
    ['router:add', ['home', '--parent', 'internet', '--cidr', '192.168.1.0/24']],
    ['host:add', ['alice', '--router', 'home']],
  ] as [string, string[]][]) {
    const r = await cli.run(id, argv);
    assert.equal(r.code, 0, r.stderr);
  }
});
after(() => cli.close());

const cases: [string, string, string[], RegExp][] = [
  ['missing required flag', 'capture:start', ['home/lan'], /^vnet: `vnet capture start` needs -w\/--write: file to write .*; see `vnet capture start --help`$/],
  ['missing argument', 'router:add', [], /^vnet: `vnet router add` needs NAME \(router name\); see/],
  ['bad integer flag', 'demo', ['--seed', 'abc'], /^vnet: --seed must be a whole number, got "abc"; see `vnet demo --help`$/],
  ['integer flag below its minimum', 'listen', ['alice:7', '--count', '-1'], /^vnet: --count must be a whole number 1 or more, got "-1"/],
  ['non-numeric filter id', 'filter:change', ['abc'], /^vnet: ID must be a whole number, got "abc"; see `vnet filter change --help`$/],
  ['non-numeric map id', 'map:rm', ['abc'], /^vnet: ID must be a whole number, got "abc"; see `vnet map rm --help`$/],
  ['unknown flag, with the nearest', 'router:ls', ['--sesion', 'x'], /^vnet: `vnet router ls` has no flag "--sesion" \(did you mean --session\?\); see/],
  ['unexpected argument', 'router:add', ['x', 'y', '--cidr', '10.0.0.0/8'], /^vnet: unexpected argument "y"; `vnet router add` takes one argument: NAME/],
  ['flag without its value', 'router:add', ['x', '--cidr'], /^vnet: --cidr needs a value: the subnet .*; see/],
  ['flag given twice', 'send', ['alice', 'x:1', '--count', '1', '--count', '2'], /^vnet: --count is given more than once; give it once; see/],
  ['option not among the choices', 'router:add', ['x', '--cidr', '10.0.0.0/8', '--nat', 'foo'], /^vnet: --nat must be one of none, full-cone, .*, got "foo"/],
  ['VLAN ID that is not a number (was "VLAN ID null")', 'router:add', ['v', '--parent', 'internet', '--cidr', '10.9.0.0/16', '--vlan', 'abc'], /^vnet: router\.add: vlan: "abc" is not VLAN IDs \(want one or two of 1-4094/],
  ['port range that is not LO-HI (was "port range [null]")', 'nat:set', ['home', '--port-range', 'abc'], /^vnet: nat\.set: nat\.portRange\[0\]: "abc" is a string, want a whole number$/],
  ['port range the wrong way round', 'nat:set', ['home', '--port-range', '5000-4000'], /^vnet: port range 5000-4000 is empty: lo 5000 > hi 4000/],
  ['CIDR with a leading zero', 'router:add', ['z', '--parent', 'internet', '--cidr', '010.0.0.0/8'], /^vnet: router\.add: cidr: "010\.0\.0\.0\/8" is not a CIDR prefix/],
  ['CIDR with a leading space', 'router:add', ['z', '--parent', 'internet', '--cidr', ' 10.0.0.0/8'], /^vnet: router\.add: cidr: " 10\.0\.0\.0\/8" is not a CIDR prefix/],
];

for (const [name, id, argv, want] of cases) {
  test(`usage error: ${name}`, async () => {
    const r = await cli.run(id, argv);
    assert.equal(r.thrown, undefined, `it threw ${r.thrown?.stack}`);
    assert.equal(r.code, 2, `vnet ${id} ${argv.join(' ')}: exit ${r.code}, want 2; stderr ${r.stderr}`);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, `more than one line: ${r.stderr}`);
    assert.match(r.stderr.trimEnd(), want);
    const j = await cli.run(id, [...argv, '--json']);
    assert.equal(j.code, 2);
    const doc = JSON.parse(j.stdout) as { error: { code: string; message: string; exit: number } };
    assert.deepEqual(doc, { error: { code: 'EINVAL', message: r.stderr.trimEnd().replace(/^vnet: /, ''), exit: 2 } });
  });
}

test('a 10 MB value is quoted as a short prefix with its size', async () => {
  const big = 'x'.repeat(10 * 1024 * 1024);
  for (const [id, argv] of [['router:add', [big, '--cidr', '10.0.0.0/8', '--parent', 'internet']], ['router:add', ['y', '--cidr', big]], ['filter:change', [big]], ['router:ls', [`--${big}`]], ['host:show', [big]]] as [string, string[]][]) {
    const r = await cli.run(id, argv);
    assert.equal(r.code, 2, `${id}: exit ${r.code}: ${r.stderr.slice(0, 200)}`);
    assert.ok(r.stderr.length < 600, `${id}: ${r.stderr.length} bytes of stderr: ${r.stderr.slice(0, 200)}`);
  }
});

test('a session client sending null (a NaN in JSON) gets a real message, not "VLAN ID null" or "port range [null]"', async () => {
  const call = async (method: string, params: Record<string, unknown>): Promise<unknown> => cli.session.call(method, params, { signal: new AbortController().signal, emit: () => {} });
  await assert.rejects(call('router.add', { name: 'v', parent: 'internet', cidr: '10.77.0.0/16', vlan: [null] }),
    (e: Error) => e.message === 'router.add: vlan[0]: got null, want a whole number');
  await assert.rejects(call('nat.set', { router: 'home', nat: { portRange: [null] } }),
    (e: Error) => e.message === 'nat.set: nat.portRange[0]: got null, want a whole number');
});
