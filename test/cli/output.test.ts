// What commands print: tables with headers, exact durations, and one set of JSON conventions
// (times in ...Ns, a datagram's size as `size`), run as the REPL runs them (in-process session).
import { afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Config } from '@oclif/core';
import { useInProcessSession } from '../../src/cli/base.js';
import { captureTable, mapTable, proxyTable, table } from '../../src/cli/format.js';
import { Session } from '../../src/session/session.js';
import { ROOT } from '../e2e/cli-helpers.js';
import { parseIpv4 } from '../../src/wire/addr.js';
import { PROTO_TCP } from '../../src/wire/packet.js';
import { TCP_SYN } from '../../src/wire/tcp.js';

let config: Config;
let session: Session;
let out: string[];
let restore: () => void;

before(async () => {
  config = await Config.load(ROOT);
});

beforeEach(() => {
  session = new Session({ clock: 'virtual', seed: 1 });
  useInProcessSession(session);
  out = [];
  const write = process.stdout.write;
  // Commands write strings; the test runner's own reports (bytes) pass on.
  process.stdout.write = ((s: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof s === 'string') return (out.push(...s.split('\n').filter(Boolean)), true);
    return (write as (...a: unknown[]) => boolean).call(process.stdout, s, ...rest);
  }) as typeof process.stdout.write;
  restore = () => {
    process.stdout.write = write;
  };
});
afterEach(() => {
  restore();
  useInProcessSession(null);
  session.close();
});

/** Runs `vnet ARGV...` in-process; returns the lines it printed on stdout. */
async function vnet(...argv: string[]): Promise<string[]> {
  const from = out.length;
  await config.runCommand(argv[0], argv.slice(1));
  return out.slice(from);
}

/** `vnet ARGV... --json` parsed. */
async function json(...argv: string[]): Promise<unknown> {
  return JSON.parse((await vnet(...argv, '--json')).join('\n'));
}

function lab(): void {
  session.net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  session.net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', nat: 'symmetric', ips: ['203.0.113.10'] });
  session.net.addHost({ name: 'alice', router: 'home' });
  session.net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  session.net.addName('server.example', '198.51.100.7');
  session.net.addFilter('home/uplink', { delay: '30ms', jitter: '5ms' });
}

test('listings print a header row, then one row per item under it', async () => {
  lab();
  const cases: [string[], string[]][] = [
    [['router:ls'], ['NAME', 'CIDR', 'GATEWAY', 'PARENT', 'UPLINK', 'NAT']],
    [['host:ls'], ['NAME', 'IPS', 'ROUTER']],
    [['filter:ls'], ['ID', 'IFACE', 'HELD', 'FILTER']],
    [['dns:ls'], ['NAME', 'IP', 'SEEN BELOW', 'SOURCE']],
  ];
  for (const [argv, headers] of cases) {
    const lines = await vnet(...argv);
    assert.deepEqual(lines[0].split(/ {2,}/), headers, `${argv.join(' ')}: ${lines.join('\n')}`);
    assert.ok(lines.length >= 2, `${argv.join(' ')} has rows`);
  }
  const routers = await vnet('router:ls');
  assert.equal(routers[2].indexOf('192.168.1.0/24'), routers[0].indexOf('CIDR'), 'cells line up under their header');
});

test('nat show: a table with an exact EXPIRES IN; --json gives expiresInNs and equals router.nat.list()', async () => {
  lab();
  session.net.host('alice').createSocket('udp4').send('x', 7, '198.51.100.7');
  session.net.advance('1ms');
  const lines = await vnet('nat:show', 'home');
  assert.match(lines[0], /^home: symmetric .*, 1 mapping$/);
  assert.deepEqual(lines[1].split(/ {2,}/), ['ID', 'PROTO', 'INTERNAL', 'EXTERNAL', 'REMOTE', 'STATE', 'EXPIRES IN', 'OUT', 'IN', 'KIND']);
  assert.match(lines[2], /4m59\.999s/, 'five minutes less the 1 ms that passed, not rounded to 5m');
  const t = (await json('nat:show', 'home')) as { mappings: Record<string, unknown>[] };
  assert.equal(t.mappings[0].expiresInNs, 299_999_000_000);
  assert.equal(t.mappings[0].expiresIn, undefined);
  assert.deepEqual(t.mappings, JSON.parse(JSON.stringify(session.net.router('home').nat!.list())), 'the library returns the same views');
});

test('nat show: a TCP mapping has its connection state in the STATE column and `state` in JSON (RFC 5382)', async () => {
  lab();
  const alice = session.net.host('alice');
  const syn = new Uint8Array(16);
  syn[8] = 0x50;
  syn[9] = TCP_SYN;
  alice.output({
    src: alice.eth0.addresses[0], dst: parseIpv4('198.51.100.7'), proto: PROTO_TCP, ttl: 64, tos: 0, id: 1, df: true, options: null,
    srcPort: 40000, dstPort: 443, icmpType: 0, icmpCode: 0, icmpId: 0, icmpSeq: 0, payload: syn,
  });
  session.net.advance('1ms');
  const lines = await vnet('nat:show', 'home');
  const header = lines[1].split(/ {2,}/);
  const row = lines[2].split(/ {2,}/);
  assert.equal(row[1], 'tcp');
  assert.equal(row[header.indexOf('STATE')], 'syn-sent');
  assert.equal(row[header.indexOf('EXPIRES IN')], '3m59.999s', 'the transitory timeout (4m), not the UDP lifetime');
  const t = (await json('nat:show', 'home')) as { mappings: Record<string, unknown>[] };
  assert.equal(t.mappings[0].state, 'syn-sent');
});

test('clock show never rounds: 299.999 s is 4m59.999s, and JSON has timeNs only', async () => {
  session.net.advance('299999ms');
  assert.deepEqual(await vnet('clock:show'), ['virtual clock at 4m59.999s']);
  assert.deepEqual(await json('clock:show'), { kind: 'virtual', timeNs: 299_999_000_000 });
  assert.deepEqual(await vnet('clock:advance', '17ms'), ['virtual clock at 5m0.016s']);
});

test('JSON: status, router and send name time in ns and a datagram\'s size as size', async () => {
  lab();
  session.net.addRouter({ name: 'slow', parent: 'internet', cidr: '10.9.0.0/16', minDelay: '5ms', maxJitter: '1.5ms' });
  const s = (await json('status')) as { session: Record<string, unknown>; routers: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(s.session).sort(), ['clock', 'name', 'seed', 'startedAt', 'timeNs']);
  const slow = s.routers.find((r) => r.name === 'slow')!;
  assert.equal(slow.minDelayNs, 5_000_000);
  assert.equal(slow.maxJitterNs, 1_500_000);
  assert.equal(slow.minDelay, undefined);
  const home = s.routers.find((r) => r.name === 'home')! as { natConfig: Record<string, unknown> };
  assert.equal(home.natConfig.lifetimeNs, 300_000_000_000);
  assert.equal(home.natConfig.lifetime, undefined, 'no text duplicate');
  const sent = (await json('send', 'alice', 'server.example:7', '--size', '100')) as Record<string, unknown>;
  assert.equal(sent.size, 100);
  assert.equal(sent.bytes, undefined);
  const text = await vnet('status');
  assert.match(text[0], /^session default: virtual clock at 0s, seed 1$/);
  for (const title of ['Routers', 'Hosts', 'Interfaces', 'Filters']) {
    const at = text.indexOf(title);
    assert.ok(at > 0, `a ${title} section: ${text.join('\n')}`);
    assert.match(text[at + 1], /^[A-Z]+( {2,}[A-Z ]+)+$/, `${title} has a header row`);
  }
});

test('show draws the session as a tree; --format dot and mermaid; --json the same tree', async () => {
  lab();
  const tree = await vnet('show');
  assert.equal(tree[0], 'router internet 0.0.0.0/0 gateway 192.0.2.1');
  assert.ok(tree.includes('    └── host alice 192.168.1.2'), tree.join('\n'));
  assert.equal((await vnet('show', '--format', 'dot'))[0], 'digraph vnet {');
  assert.equal((await vnet('show', '--format', 'mermaid'))[0], 'flowchart TD');
  const json = (await vnet('show', '--json')).join('\n');
  assert.equal((JSON.parse(json) as { routers: { name: string }[] }[])[0].routers[0].name, 'home');
});

test('capture, map and proxy listings are tables too; empty cells show "-"', () => {
  const capture = { id: 1, ifaces: ['home/lan', 'home/uplink'], file: 'x.pcapng', format: 'pcapng' as const, snaplen: 262144, withDrops: false, packets: 3, bytes: 300, dropsRecorded: 0, state: 'running' as const, startedAtNs: 0 };
  assert.deepEqual(captureTable([capture]), [
    'ID  STATE    FORMAT  INTERFACES            FILE      PACKETS  BYTES  DROPS  ERROR',
    '1   running  pcapng  home/lan,home/uplink  x.pcapng  3        300    -      -',
  ]);
  const map = { id: 2, host: 'alice', listen: '127.0.0.1:5000', listenPort: 5000, remote: 'server:7', virtualPort: 40000, client: null, packetsIn: 1, packetsOut: 2, bytesIn: 10, bytesOut: 20, drops: 0, errors: 0 };
  assert.deepEqual(mapTable([map])[0].split(/ {2,}/), ['ID', 'LISTEN', 'HOST', 'REMOTE', 'CLIENT', 'IN', 'OUT', 'DROPS', 'ERRORS']);
  assert.deepEqual(mapTable([map])[1].split(/ {2,}/), ['2', '127.0.0.1:5000', 'alice:40000', 'server:7', '(none yet)', '1/10B', '2/20B', '0', '0']);
  const proxy = { id: 3, real: '127.0.0.1:7', as: '198.51.100.9:7', host: 'proxy-1', createdHost: true, clients: 1, packetsToReal: 4, packetsFromReal: 4, bytesToReal: 40, bytesFromReal: 40, errors: 1, lastError: 'ECONNREFUSED' };
  assert.deepEqual(proxyTable([proxy])[1].split(/ {2,}/), ['3', '198.51.100.9:7', '127.0.0.1:7', 'proxy-1', '1', '4/40B', '4/40B', '1 (ECONNREFUSED)']);
  assert.deepEqual(table(['A', 'LONG HEADER', 'C'], [['wide cell', '', 'x']]), ['A          LONG HEADER  C', 'wide cell  -            x'], 'no trailing blanks');
});
