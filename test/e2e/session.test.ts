// End to end: the real CLI against real session daemons in a throwaway runtime directory: one session
// (main) built by commands, used by most tests. Lifecycle without it: session-lifecycle.test.ts; export: export.test.ts.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildNatTopology, CliSandbox, stderrLine } from './cli-helpers.js';

const box = new CliSandbox();
after(() => box.cleanup());

before(async () => {
  const r = await box.run(['up', '--clock', 'virtual', '--seed', '1', '--session', 'main']);
  assert.equal(r.code, 0, r.stderr);
  await buildNatTopology(box, 'main');
});

test('up makes a 0700 runtime directory and a 0600 socket; status reports the session', async () => {
  assert.equal(statSync(box.dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(box.dir, 'main.sock')).mode & 0o777, 0o600);
  const s = await box.json<{ session: { name: string; clock: string; seed: number }; routers: { name: string }[] }>(['status', '--session', 'main']);
  assert.deepEqual([s.session.name, s.session.clock, s.session.seed], ['main', 'virtual', 1]);
  assert.deepEqual(s.routers.map((r) => r.name), ['internet', 'home']);
});

test('send through a symmetric NAT: listen --json shows the translated source, nat show the mapping', async () => {
  const listener = box.spawn(['listen', 'server:7', '--count', '2', '--timeout', '10s', '--json', '--session', 'main']);
  const done = box.finish(listener, ['listen']);
  assert.match(await stderrLine(listener, /listening on/), /listening on 198\.51\.100\.7:7/);
  await box.ok(['send', 'alice', '198.51.100.7:7', '--data', 'hello', '--count', '2', '--session', 'main']);
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { from: string; data: string; to: string });
  assert.equal(lines.length, 2);
  for (const l of lines) {
    assert.match(l.from, /^203\.0\.113\.10:\d+$/, 'the server sees the NAT\'s uplink address, not 192.168.1.x');
    assert.equal(l.data, 'hello');
    assert.equal(l.to, '198.51.100.7:7');
  }
  const nat = await box.json<{ mappings: { internal: string; external: string; remote: string }[] }>(['nat', 'show', 'home', '--session', 'main']);
  assert.equal(nat.mappings.length, 1);
  assert.equal(nat.mappings[0].external, lines[0].from);
  assert.equal(nat.mappings[0].remote, '198.51.100.7:7');
  const events = await box.run(['events', '--json', '--session', 'main']);
  assert.ok(events.stdout.split('\n').some((l) => l.includes('"mapping-created"')), 'the mapping shows in the event log');
});

test('listen --timeout exits 124 when nothing arrives', async () => {
  const r = await box.run(['listen', 'server:9', '--timeout', '200ms', '--session', 'main']);
  assert.equal(r.code, 124);
  assert.match(r.stderr, /no datagrams within 200ms/);
});

test('bad input exits 2 with one line on stderr and changes nothing', async () => {
  const before = await box.json(['status', '--session', 'main']);
  const cases: [string[], RegExp][] = [
    [['router', 'add', 'x', '--cidr', '10.0.0.0/33', '--parent', 'internet'], /router.add: cidr: "10\.0\.0\.0\/33" is not a CIDR prefix/],
    [['router', 'add', 'x', '--cidr', '10.1.0.0/16', '--parent', 'nowhere'], /nowhere/],
    [['router', 'add', 'x', '--cidr', '192.168.0.0/16', '--parent', 'home'], /overlaps 192\.168\.1\.0\/24/],
    [['router', 'add', 'x', '--cidr', '198.51.100.0/24', '--parent', 'internet', '--nat', 'none'], /198\.51\.100\.7 of host server/],
    [['host', 'add', 'bob', '--router', 'home', '--ip', '10.9.9.9'], /10\.9\.9\.9/],
    [['host', 'add', 'alice', '--router', 'home'], /alice/],
    [['router', 'add'], /name/i],
    [['clock', 'advance', 'soon'], /soon/],
    [['send', 'alice', 'server:7.0'], /destination "server:7\.0" has port "7\.0", not 1-65535/],
    [['listen', 'server'], /endpoint "server" is not ADDRESS:PORT/],
  ];
  // All at once: each is refused and changes nothing, so they cannot disturb each other.
  const [j] = await Promise.all([
    // --json: the error is also one JSON document on stdout.
    box.run(['router', 'add', 'x', '--cidr', 'bogus', '--parent', 'internet', '--json', '--session', 'main']),
    ...cases.map(async ([args, pattern]) => {
      const r = await box.run([...args, '--session', 'main']);
      assert.equal(r.code, 2, `vnet ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern, `vnet ${args.join(' ')}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line for vnet ${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
    }),
  ]);
  assert.equal(j!.code, 2);
  assert.equal((JSON.parse(j!.stdout) as { error: { exit: number } }).error.exit, 2);
  const afterStatus = (await box.json(['status', '--session', 'main'])) as typeof before;
  assert.deepEqual(afterStatus, before);
});

test('virtual clock: clock advance moves time; a real-clock session refuses it with exit 2', async () => {
  const t = await box.json<{ timeNs: number }>(['clock', 'advance', '1.5s', '--session', 'main']);
  assert.ok(t.timeNs >= 1.5e9);
  assert.equal((await box.json<{ timeNs: number }>(['clock', 'show', '--session', 'main'])).timeNs, t.timeNs);
  await box.ok(['up', '--session', 'realtime']);
  const r = await box.run(['clock', 'advance', '1s', '--session', 'realtime']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--clock virtual/);
  await box.ok(['down', '--session', 'realtime']);
});

test('sessions side by side: --session and VNET_SESSION pick one; up on a running session exits 2', async () => {
  await box.ok(['up', '--clock', 'virtual']);
  await box.ok(['router', 'add', 'only-in-default', '--cidr', '0.0.0.0/0']);
  const viaEnv = await box.run(['router', 'ls', '--json'], { env: { VNET_SESSION: 'main' } });
  assert.deepEqual((JSON.parse(viaEnv.stdout) as { name: string }[]).map((r) => r.name), ['internet', 'home']);
  const dflt = await box.json<{ name: string }[]>(['router', 'ls']);
  assert.deepEqual(dflt.map((r) => r.name), ['only-in-default']);
  const again = await box.run(['up']);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already running/);
  await box.ok(['down']);
  assert.equal(existsSync(join(box.dir, 'default.sock')), false, 'down removes the socket');
  assert.equal(existsSync(join(box.dir, 'default.pid')), false, 'down removes the pid file');
});

test('events --follow --json streams new events as JSON lines until Ctrl-C, which ends it with exit 0', async () => {
  const follower = box.spawn(['events', '--follow', '--json', '--session', 'main']);
  const done = box.finish(follower, ['events', '--follow']);
  let seen = '';
  const sawMapping = new Promise<void>((resolve) => {
    follower.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (/"type":"node-added".*"name":"dave"/.test(seen) && seen.includes('"mapping-created"')) resolve();
    });
  });
  // The backlog comes first: once a line is out, the follower is subscribed.
  await new Promise<void>((resolve) => follower.stdout!.once('data', () => resolve()));
  await box.ok(['host', 'add', 'dave', '--router', 'home', '--session', 'main']);
  await box.ok(['send', 'dave', '198.51.100.7:9', '--session', 'main']);
  await sawMapping;
  follower.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  for (const line of r.stdout.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), `a JSON line: ${line}`);
});

test('send --wait prints the replies that come back (an echo through the NAT), exits 1 on an ICMP error and 124 when nothing comes', async () => {
  // A session of its own: the others' filters (a delay on a virtual clock) would hold the echo back.
  await box.ok(['up', '--clock', 'virtual', '--session', 'wait']);
  await buildNatTopology(box, 'wait');
  const echo = box.spawn(['listen', 'server:7', '--echo', '--count', '1', '--session', 'wait']);
  const echoDone = box.finish(echo, ['listen', '--echo']);
  await stderrLine(echo, /listening on/);
  const r = await box.run(['send', 'alice', '198.51.100.7:7', '--data', 'ping', '--wait', '5s', '--replies', '1', '--json', '--session', 'wait']);
  assert.equal(r.code, 0, r.stderr);
  const reply = JSON.parse(r.stdout.trim().split('\n')[0]) as { from: string; data: string };
  assert.deepEqual([reply.from, reply.data], ['198.51.100.7:7', 'ping']);
  assert.match(r.stderr, /1 reply within 5s/);
  assert.equal((await echoDone).code, 0);
  // Nobody listens on port 9: the ICMP port unreachable that comes back is shown and is exit 1 (nc's "connection refused").
  const refused = await box.run(['send', 'alice', '198.51.100.7:9', '--wait', '5s', '--session', 'wait']);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stdout, /^198\.51\.100\.7: ICMP port unreachable \(connection refused\) for 198\.51\.100\.7:9, rtt /);
  // A listener that does not answer: no reply, no ICMP error, exit 124.
  const silent = box.spawn(['listen', 'server:9', '--count', '1', '--session', 'wait']);
  const silentDone = box.finish(silent, ['listen', 'server:9']);
  await stderrLine(silent, /listening on/);
  const none = await box.run(['send', 'alice', '198.51.100.7:9', '--wait', '100ms', '--session', 'wait']);
  assert.equal(none.code, 124);
  assert.equal((await silentDone).code, 0);
  await box.ok(['down', '--session', 'wait']);
});
