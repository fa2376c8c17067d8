// The mroute and mcast commands in process (as the REPL runs them): their lines, --json, errors and exit codes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { InProcessCli } from '../cli/in-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let cli: InProcessCli;
before(async () => {
  cli = await InProcessCli.load(ROOT);
});
after(() => cli.close());

async function ok(id: string, argv: string[]): Promise<string> {
  const r = await cli.run(id, argv);
  assert.equal(r.code, 0, `${id} ${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('routes and memberships through the commands: add, ls (text and JSON), join, leave, rm, and their errors', async () => {
  await ok('router:add', ['internet', '--cidr', '0.0.0.0/0']);
  await ok('host:add', ['tv', '--router', 'internet', '--ip', '198.51.100.10']);
  await ok('router:add', ['campus', '--parent', 'internet', '--cidr', '10.1.0.0/24', '--nat', 'none', '--multicast', '--compat', 'linux']);
  await ok('host:add', ['alice', '--router', 'campus']);
  assert.match(await ok('router:show', ['campus']), /mcast {4}forwarding on, linux semantics, 4 pending packets per \(S,G\), 0 routes/);
  assert.equal(await ok('mcast:join', ['alice', '239.1.1.1']), 'alice joined 239.1.1.1\n');
  assert.equal(await ok('mcast:join', ['alice', '239.1.1.1']), 'alice is already in 239.1.1.1\n');
  assert.match(await ok('host:show', ['alice']), /\n {2}groups {3}239\.1\.1\.1\n/);
  await ok('send', ['tv', '239.1.1.1:5000', '--ttl', '8']);
  const pending = await ok('mroute:ls', ['campus']);
  assert.match(pending, /campus\s+\(198\.51\.100\.10, 239\.1\.1\.1\)\s+uplink\s+-\s+unresolved\s+1\s+-\s+-\s+0\s+expires 10s/);
  assert.equal(await ok('mroute:add', ['campus', '--source', '198.51.100.10', '--group', '239.1.1.1', '--in', 'uplink', '--out', 'lan:2']),
    'campus: (198.51.100.10, 239.1.1.1) Iif: uplink Oifs: lan(ttl 2) State: resolved\n');
  const json = JSON.parse(await ok('mroute:ls', ['campus', '--json'])) as { packets: number; oifs: unknown }[];
  assert.deepEqual(json.map((r) => [r.packets, r.oifs]), [[1, [{ iface: 'lan', minTtl: 2 }]]], 'the queued packet went out at install');
  const ls = await ok('mcast:ls', []);
  assert.match(ls, /alice\s+alice\/eth0\s+239\.1\.1\.1\s+0\s+yes/);
  assert.match(ls, /campus\s+lan\s+239\.1\.1\.1\s+10\.1\.0\.2\s+4m20s/);
  const bad = await cli.run('mroute:add', ['campus', '--source', '198.51.100.10', '--group', '239.1.1.1', '--in', 'lan', '--out', 'lan']);
  assert.deepEqual([bad.code, bad.stderr.trim()], [2, 'vnet: interface lan is the route\'s input and cannot also be an output']);
  const missing = await cli.run('mroute:rm', ['campus', '--source', '198.51.100.99', '--group', '239.1.1.1']);
  assert.equal(missing.code, 2, 'no such route: bad input, as other not-found names');
  assert.match(missing.stderr, /router campus has no route for \(198\.51\.100\.99, 239\.1\.1\.1\); `vnet mroute ls campus` lists them/);
  assert.equal(await ok('mroute:rm', ['campus', '--all']), 'removed 1 route from campus\n');
  assert.equal(await ok('mcast:leave', ['alice', '239.1.1.1']), 'alice left 239.1.1.1\n');
  const again = await cli.run('mcast:leave', ['alice', '239.1.1.1']);
  assert.equal(again.code, 2);
});
