// `vnet repl` with a script on stdin: no prompt, lines in order, errors do not stop it, exit status 0 or 1;
// and attaching to a running session instead of holding one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControlServer } from '../../src/session/server.js';
import { Session } from '../../src/session/session.js';
import { runRepl, sandbox } from './helpers.js';

const TOPOLOGY = [
  '# a home behind a symmetric NAT, and a public server',
  'router add internet --cidr 0.0.0.0/0',
  'router add home --parent internet --cidr 192.168.1.0/24 --nat symmetric --ip 203.0.113.10',
  '',
  'host add alice --router home',
  'host add server --router internet --ip 198.51.100.7',
];

test('a script builds a topology, sends through the NAT and advances the clock; events show the translation', async () => {
  const box = sandbox();
  try {
    const script = [...TOPOLOGY, 'send alice 198.51.100.7:7 --data hi --from-port 5000', 'clock advance 1s', 'nat show home --json', 'exit', 'router ls'].join('\n');
    const r = await runRepl(box, ['--clock', 'virtual', '--events'], script);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^vnet: no session "default" is running; holding one in this process \(virtual clock, seed 1\)/);
    assert.ok(!r.stdout.includes('vnet>'), 'no prompt on a script');
    assert.match(r.stdout, /mapping-created home udp 192\.168\.1\.2:5000 -> 203\.0\.113\.10:\d+ \(198\.51\.100\.7:7\)/);
    assert.match(r.stdout, /drop port-unreachable at server\/eth0: UDP 203\.0\.113\.10:\d+ → 198\.51\.100\.7:7/);
    assert.match(r.stdout, /virtual clock at 1s/);
    const nat = JSON.parse(r.stdout.slice(r.stdout.indexOf('{\n'), r.stdout.lastIndexOf('}') + 1)) as { mappings: { internal: string; external: string }[] };
    assert.equal(nat.mappings.length, 1);
    assert.equal(nat.mappings[0].internal, '192.168.1.2:5000');
    assert.match(nat.mappings[0].external, /^203\.0\.113\.10:\d+$/);
    assert.ok(!r.stdout.includes('internet     0.0.0.0/0'), 'nothing after `exit` ran');
  } finally {
    box.cleanup();
  }
});

test('an error line does not end a script: later lines run and the exit status is 1; --bail stops there', async () => {
  const box = sandbox();
  try {
    const script = ['router add internet --cidr 0.0.0.0/0', 'host add alice --router nowhere', 'router ls'].join('\n');
    const r = await runRepl(box, ['--clock', 'virtual', '--echo'], script);
    assert.equal(r.code, 1);
    assert.deepEqual(r.stderr.split('\n').filter((l) => l.includes('nowhere')), ['vnet: <stdin>:2: no router named "nowhere"; routers: internet']);
    assert.match(r.stdout, /^vnet> router add internet --cidr 0\.0\.0\.0\/0\nrouter internet/, '--echo prints each line first');
    assert.match(r.stdout, /vnet> router ls\nNAME +CIDR .*\ninternet +0\.0\.0\.0\/0/, 'the line after the error ran');
    const bailed = await runRepl(box, ['--clock', 'virtual', '--bail', '--echo'], script);
    assert.equal(bailed.code, 1);
    assert.ok(!bailed.stdout.includes('vnet> router ls'), 'nothing ran after the failing line');
  } finally {
    box.cleanup();
  }
});

test('errors of a script on stdin name <stdin>:LINE, whatever fails: the REPL, the parse, or the session', async () => {
  const box = sandbox();
  try {
    const script = ['# comment', 'router add internet --cidr 0.0.0.0/0', 'bogus', '', 'host add alice --router nowhere', 'filter change abc', 'capture start internet', 'send "x'].join('\n');
    const r = await runRepl(box, ['--clock', 'virtual'], script);
    assert.equal(r.code, 1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('vnet: ') && !l.includes('holding one'));
    assert.deepEqual(errors.map((l) => /^vnet: (<stdin>:\d+): /.exec(l)?.[1]), ['<stdin>:3', '<stdin>:5', '<stdin>:6', '<stdin>:7', '<stdin>:8'], errors.join('\n'));
    assert.match(errors[2], /ID must be a whole number, got "abc"/);
    assert.match(errors[3], /needs -w\/--write/);
  } finally {
    box.cleanup();
  }
});

test('SIGINT on a script cancels the running command and ends the REPL with status 130', async () => {
  const box = sandbox();
  try {
    const script = ['router add internet --cidr 0.0.0.0/0', 'host add alice --router internet', 'listen alice:7', 'router ls'].join('\n');
    const r = await runRepl(box, ['--clock', 'virtual'], script, { onStderr: { pattern: /listening on/, then: (child) => child.kill('SIGINT') } });
    assert.equal(r.code, 130, r.stderr);
    assert.ok(!/^internet +0\.0\.0\.0\/0 +gw/m.test(r.stdout), 'the line after the cancelled listen did not run');
  } finally {
    box.cleanup();
  }
});

test('source runs a script file from the REPL; its errors name FILE:LINE', async () => {
  const box = sandbox();
  try {
    mkdirSync(join(box.dir, 'lab'));
    writeFileSync(join(box.dir, 'lab', 'topology.vnet'), [...TOPOLOGY, 'host add bob --router home --ip 10.9.9.9', 'source more.vnet'].join('\n'));
    writeFileSync(join(box.dir, 'lab', 'more.vnet'), '# more\nhost add carol --router home\n');
    const r = await runRepl(box, ['--clock', 'virtual'], 'source lab/topology.vnet\nhost ls\n', { cwd: box.dir });
    assert.equal(r.code, 1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('vnet: lab/'));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0], /^vnet: lab\/topology\.vnet:7: /);
    assert.match(r.stdout, /carol +192\.168\.1\.3 +on home/, 'the nested source ran, relative to the sourcing file');
  } finally {
    box.cleanup();
  }
});

test('with a session daemon running, the REPL attaches to it and its commands change that session', async () => {
  const box = sandbox();
  const session = new Session({ clock: 'virtual', seed: 1, name: 'lab' });
  const server = new ControlServer((method, params, ctx) => session.call(method, params, { signal: ctx.signal, emit: ctx.emit }), {
    socketPath: join(box.dir, 'lab.sock'),
  });
  await server.listen();
  try {
    const r = await runRepl(box, ['--session', 'lab'], [...TOPOLOGY, 'up', 'router ls'].join('\n'));
    assert.equal(r.code, 1, 'the refused `up` counts as a failed line');
    assert.match(r.stderr, /^vnet: attached to session "lab"/);
    assert.match(r.stderr, /vnet: <stdin>:\d+: session "lab" is already up: this REPL is attached to it/);
    assert.deepEqual(session.net.routers.map((x) => x.name), ['internet', 'home']);
    assert.deepEqual(session.net.hosts.map((x) => x.name), ['alice', 'server']);
    assert.match(r.stdout, /home +192\.168\.1\.0\/24/);
  } finally {
    await server.close();
    session.close();
    box.cleanup();
  }
});
