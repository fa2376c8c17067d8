// One grammar: a session method's params are checked against the same JSON Schema definitions as
// a topology file's entries, so a bad value gets the same fact from a library call, a command's
// flag (the REPL runs the real commands in-process) and a topology file line (with file:line).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Config } from '@oclif/core';
import { useInProcessSession } from '../../src/cli/base.js';
import type { RouterView } from '../../src/session/views.js';
import { checkedMethods } from '../../src/session/method-params.js';
import { applyEntries } from '../../src/session/topology-entries.js';
import { parseTopology } from '../../src/session/topology.js';
import type { Session } from '../../src/session/session.js';
import { apply, BASE, ctx, errorOf, newSession, statusText } from '../fixtures/topology/helpers.js';
import { ROOT } from '../e2e/cli-helpers.js';

interface Case {
  name: string;
  method: string;
  params: Record<string, unknown>;
  /** The same entry in a topology file (appended to BASE), and where its error is. */
  file: string;
  fileWhere: string;
  /** The command line (oclif id, argv) that sends the same value. */
  command: [string, string[]];
  /** `method: param: fact`. */
  error: string;
}

const CASES: Case[] = [
  {
    name: 'a CIDR that is not one',
    method: 'router.add', params: { name: 'lab', parent: 'internet', cidr: '10.0.0/8' },
    file: 'routers:\n  - { name: lab, parent: internet, cidr: 10.0.0/8 }\n', fileWhere: 'routers[0].cidr',
    command: ['router:add', ['lab', '--parent', 'internet', '--cidr', '10.0.0/8']],
    error: 'router.add: cidr: "10.0.0/8" is not a CIDR prefix (want a.b.c.d/n)',
  },
  {
    name: 'a router MTU below 68',
    method: 'router.add', params: { name: 'lab', parent: 'internet', cidr: '10.0.0.0/8', mtu: 60 },
    file: 'routers:\n  - { name: lab, parent: internet, cidr: 10.0.0.0/8, mtu: 60 }\n', fileWhere: 'routers[0].mtu',
    command: ['router:add', ['lab', '--parent', 'internet', '--cidr', '10.0.0.0/8', '--mtu', '60']],
    error: 'router.add: mtu: 60 is less than 68',
  },
  {
    name: 'a delay without a unit',
    method: 'router.add', params: { name: 'lab', parent: 'internet', cidr: '10.0.0.0/8', minDelay: '5 parsecs' },
    file: 'routers:\n  - { name: lab, parent: internet, cidr: 10.0.0.0/8, minDelay: 5 parsecs }\n', fileWhere: 'routers[0].minDelay',
    command: ['router:add', ['lab', '--parent', 'internet', '--cidr', '10.0.0.0/8', '--min-delay', '5 parsecs']],
    error: 'router.add: minDelay: "5 parsecs" is not a duration (want e.g. 250ms, 5s, 2m, 1h, or a number of milliseconds)',
  },
  {
    name: 'a VLAN ID over 4094 in text',
    method: 'router.add', params: { name: 'lab', parent: 'internet', cidr: '10.0.0.0/8', vlan: '100,5000' },
    file: 'routers:\n  - { name: lab, parent: internet, cidr: 10.0.0.0/8, vlan: "100,5000" }\n', fileWhere: 'routers[0].vlan',
    command: ['router:add', ['lab', '--parent', 'internet', '--cidr', '10.0.0.0/8', '--vlan', '100,5000']],
    error: 'router.add: vlan: "100,5000" is not VLAN IDs (want one or two of 1-4094: a list such as [100] or [100, 20], or a string such as "100,20")',
  },
  {
    name: 'a host address that is not one',
    method: 'host.add', params: { name: 'bob', router: 'home', ips: ['192.168.1.300'] },
    file: 'hosts:\n  - { name: bob, router: home, ips: [192.168.1.300] }\n', fileWhere: 'hosts[0].ips[0]',
    command: ['host:add', ['bob', '--router', 'home', '--ip', '192.168.1.300']],
    error: 'host.add: ips[0]: "192.168.1.300" is not an IPv4 address (want a.b.c.d)',
  },
  {
    name: 'a loss that is not a percentage',
    method: 'filter.add', params: { on: 'home/uplink', loss: 'lots' },
    file: 'filters:\n  - { on: home/uplink, loss: lots }\n', fileWhere: 'filters[0].loss',
    command: ['filter:add', ['home/uplink', '--loss', 'lots']],
    error: 'filter.add: loss: "lots" is not a percentage (want e.g. 2 or 2% or 0.5%)',
  },
  {
    name: 'a DNS name with a space',
    method: 'dns.add', params: { name: 'my server', ip: '198.51.100.7' },
    file: 'dns:\n  - { name: my server, ip: 198.51.100.7 }\n', fileWhere: 'dns[0].name',
    command: ['dns:add', ['my server', '198.51.100.7']],
    error: 'dns.add: name: "my server" is not a host name (dot-separated labels of letters, digits, \'-\' and \'_\')',
  },
];

let config: Config;
before(async () => {
  config = await Config.load(ROOT);
});
after(() => useInProcessSession(null));

function base(): Session {
  const s = newSession();
  apply(s, BASE);
  return s;
}

/** What a command prints on stderr when run in-process (as the REPL runs it), with its exit code. */
async function runCommand(s: Session, id: string, argv: string[]): Promise<{ stderr: string; code: number | undefined }> {
  useInProcessSession(s);
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
  const before = process.exitCode;
  let code: number | undefined;
  try {
    await config.runCommand(id, argv).catch((err: { oclif?: { exit?: number } }) => {
      code = err.oclif?.exit;
    });
  } finally {
    process.stderr.write = write;
    useInProcessSession(null);
    code ??= process.exitCode as number | undefined;
    process.exitCode = before;
  }
  return { stderr: lines.join(''), code };
}

for (const c of CASES) {
  test(`${c.name}: the same fact from a library call, a command's flag and a topology file line`, async () => {
    const fact = c.error.slice(c.error.indexOf(': ', c.method.length + 2) + 2);

    const s = base();
    const before = statusText(s);
    const call = errorOf(() => s.call(c.method, c.params, ctx));
    assert.equal(call.message, c.error);
    assert.equal(call.code, 'EINVAL');

    const fromFile = errorOf(() => apply(s, c.file));
    assert.match(fromFile.message, /^topo\.yaml:\d+: /);
    assert.equal(fromFile.message.replace(/^topo\.yaml:\d+: /, ''), `${c.fileWhere}: ${fact}`);

    const cli = await runCommand(s, ...c.command);
    assert.equal(cli.stderr, `vnet: ${c.error}\n`);
    assert.equal(cli.code, 2);
    assert.equal(statusText(s), before, 'nothing changed');
    s.close();
  });
}

test('an unknown param is refused, naming the ones the method takes', () => {
  const s = base();
  const e = errorOf(() => s.call('host.add', { name: 'bob', router: 'home', ip: '192.168.1.9' }, ctx));
  assert.equal(e.message, 'host.add: unknown key "ip" (allowed: name, router, lan, ips, mac, mtu, netns)');
  assert.equal(e.code, 'EINVAL');
  const missing = errorOf(() => s.call('router.add', { name: 'lab' }, ctx));
  assert.equal(missing.message, 'router.add: missing key "cidr" (required: name, cidr)');
  s.close();
});

test('a param left undefined counts as left out, in-process as over the socket', () => {
  const s = base();
  const r = s.call('router.add', { name: 'lab', parent: 'internet', cidr: '10.0.0.0/8', gateway: undefined, mtu: undefined, vlan: '100,20' }, ctx) as RouterView;
  assert.equal(r.gateway, '10.0.0.1');
  assert.deepEqual(s.net.router('lab').lan.vlan, [100, 20], 'VLAN IDs as text, like the file and the --vlan flag');
  const e = errorOf(() => s.call('filter.add', { on: 'home/uplink', delay: 'soon' }, ctx));
  assert.match(e.message, /^filter\.add: delay: "soon" is not a duration/);
  s.close();
});

test('router.add takes the file\'s router entry, uplink and lan groups included', () => {
  const s = base();
  s.call('router.add', { name: 'lab', parent: 'internet', cidr: '10.0.0.0/8', uplink: { ips: ['198.51.100.200'], mac: '02:00:00:00:aa:01' }, lan: { mac: '02:00:00:00:aa:02' } }, ctx);
  const { topology } = s.call('topology.export', {}, ctx) as { topology: { routers: { name: string }[] } };
  assert.deepEqual(topology.routers.find((r) => r.name === 'lab'), {
    name: 'lab', parent: 'internet', cidr: '10.0.0.0/8', uplink: { ips: ['198.51.100.200'], mac: '02:00:00:00:aa:01' }, lan: { mac: '02:00:00:00:aa:02' },
  });
  s.close();
});

test('every method of the session has a params schema, and every schema a method', () => {
  const s = newSession();
  assert.deepEqual(Object.keys(s.methods).sort(), [...checkedMethods()].sort());
  s.close();
});

test('send and listen: a param of the wrong type is named, before anything is sent or bound', () => {
  const s = base();
  assert.equal(errorOf(() => s.call('send', { host: 'alice', dest: '198.51.100.7:7', count: '5' }, ctx)).message,
    'send: count: "5" is a string, want a whole number');
  assert.equal(errorOf(() => s.call('listen', { host: 'alice', port: 7, timeoutMs: -1 }, ctx)).message.startsWith('listen: timeoutMs: '), true);
  assert.match(errorOf(() => s.call('send', { host: 'alice' }, ctx)).message, /^send: .*dest/);
  s.close();
});

test('re-applying a router compares any key it does not name through the export (a new option needs no code there)', () => {
  const s = base();
  const topo = parseTopology('routers:\n  - { name: home, parent: internet, cidr: 192.168.1.0/24 }\n', 'topo.yaml');
  // As if the schema and the engine had gained an option that this router does not have.
  (topo.routers[0] as Record<string, unknown>).ecn = true;
  const e = errorOf(() => applyEntries(s.net, topo, 'topo.yaml', null, false));
  assert.equal(e.message, 'topo.yaml:2: routers[0]: router home exists with ecn unset, the file says true; remove the router first with `vnet router rm home` (it takes everything below it) or make the file match');
  s.close();
});

test('a --port-range that is not LO-HI gets the schema\'s words for the part that is wrong', async () => {
  const s = base();
  const cli = await runCommand(s, 'nat:set', ['home', '--port-range', '2000-lots']);
  assert.equal(cli.stderr, 'vnet: nat.set: nat.portRange[1]: "lots" is a string, want a whole number\n');
  assert.equal(cli.code, 2);
  s.close();
});

test('filter change takes a filter entry\'s settings without its interface, checked by the same definitions', async () => {
  const s = base();
  const [f] = s.net.filters.list();
  const cli = await runCommand(s, 'filter:change', [String(f.id), '--loss', '10%']);
  assert.equal(cli.code, undefined, cli.stderr);
  assert.match(s.net.filters.list()[0].description, /loss 10%/);
  const e = errorOf(() => s.call('filter.change', { id: f.id, on: 'alice' }, ctx));
  assert.match(e.message, /^filter\.change: unknown key "on" \(allowed: id, direction, loss, /);
  assert.equal(errorOf(() => s.call('filter.change', { id: f.id, jitter: '5 ms' }, ctx)).message,
    'filter.change: jitter: "5 ms" is not a duration (want e.g. 250ms, 5s, 2m, 1h, or a number of milliseconds)');
  s.close();
});

test('every checked method refuses a key it does not take, before it runs', () => {
  const s = base();
  const before = statusText(s);
  for (const m of checkedMethods()) {
    const e = errorOf(() => s.call(m, { bogus: 1 }, ctx));
    assert.match(e.message, new RegExp(`^${m.replace('.', '\\.')}: unknown key "bogus"`), m);
    assert.equal(e.code, 'EINVAL', m);
  }
  assert.equal(statusText(s), before);
  s.close();
});
