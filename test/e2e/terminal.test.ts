// At a terminal: `vnet init` asks its questions, destructive commands ask first. Driven through a pseudo-terminal.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { CliSandbox } from './cli-helpers.js';
import { runOnTerminal } from './pty.js';

const box = new CliSandbox();
after(() => box.cleanup());

const ENTER = '\r';
const DOWN = '\x1b[B';

test('vnet init at a terminal: answers become a topology file that up -f builds', async () => {
  const file = join(box.dir, 'lab.yaml');
  const r = await runOnTerminal(['init', file], [
    { expect: /Clock/, send: ENTER },
    { expect: /How many sites/, send: ENTER },
    { expect: /Site 1: name/, send: `office${ENTER}` },
    { expect: /office: NAT/, send: `${DOWN}${ENTER}` }, // from the default port-restricted to symmetric
    { expect: /office: subnet/, send: ENTER },
    { expect: /office: how many hosts/, send: ENTER },
    { expect: /office: host 1 name/, send: ENTER },
    { expect: /Site 2: name/, send: ENTER },
    { expect: /home-b: NAT/, send: ENTER },
    { expect: /home-b: subnet/, send: ENTER },
    { expect: /home-b: how many hosts/, send: ENTER },
    { expect: /home-b: host 1 name/, send: ENTER },
    { expect: /public server/, send: ENTER },
    { expect: /Server name/, send: ENTER },
    { expect: /server: address/, send: ENTER },
    { expect: /server: DNS name/, send: ENTER },
    { expect: /Impair/, send: ENTER },
  ], box.env);
  assert.equal(r.code, 0, r.screen);
  assert.match(r.screen, /wrote .*lab\.yaml: 2 site\(s\) behind NAT, 3 host\(s\)/);
  const doc = parse(readFileSync(file, 'utf8')) as { routers: { name: string; nat?: string }[]; hosts: { name: string }[] };
  assert.deepEqual(doc.routers.map((x) => [x.name, x.nat]), [['internet', undefined], ['office', 'symmetric'], ['home-b', 'symmetric']]);
  assert.deepEqual(doc.hosts.map((h) => h.name), ['alice', 'bob', 'server']);
  await box.ok(['up', '-f', file, '--session', 'init']);
  const hosts = await box.json<{ name: string; ips: string[] }[]>(['host', 'ls', '--session', 'init']);
  assert.deepEqual(hosts.map((h) => h.name), ['alice', 'bob', 'server']);
  await box.ok(['down', '--session', 'init']);
});

test('vnet init in a script needs --defaults (exit 2); an existing file needs --force', async () => {
  const r = await box.run(['init', join(box.dir, 'x.yaml')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--defaults/);
  const file = join(box.dir, 'd.yaml');
  await box.ok(['init', file, '--defaults']);
  const again = await box.run(['init', file, '--defaults']);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /--force/);
  await box.ok(['init', file, '--defaults', '--force']);
});

test('router rm at a terminal asks first, naming what goes; no keeps it, yes removes it; --yes does not ask', async () => {
  await box.ok(['up', '--clock', 'virtual', '--session', 'ask']);
  for (const args of [['router', 'add', 'internet', '--cidr', '0.0.0.0/0'], ['router', 'add', 'home', '--parent', 'internet', '--cidr', '10.1.0.0/16'], ['host', 'add', 'alice', '--router', 'home']]) {
    await box.ok([...args, '--session', 'ask']);
  }
  const no = await runOnTerminal(['router', 'rm', 'home', '--session', 'ask'], [{ expect: /Remove router home and everything below it \(alice\)\?/, send: `n${ENTER}` }], box.env);
  assert.equal(no.code, 1, no.screen);
  assert.match(no.screen, /cancelled; nothing changed/);
  assert.deepEqual((await box.json<{ name: string }[]>(['router', 'ls', '--session', 'ask'])).map((x) => x.name), ['internet', 'home']);
  const yes = await runOnTerminal(['router', 'rm', 'home', '--session', 'ask'], [{ expect: /Remove router home/, send: `y${ENTER}` }], box.env);
  assert.equal(yes.code, 0, yes.screen);
  assert.match(yes.screen, /removed alice, home/);
  const quiet = await runOnTerminal(['down', '--yes', '--session', 'ask'], [], box.env);
  assert.equal(quiet.code, 0, quiet.screen);
  assert.doesNotMatch(quiet.screen, /\?/);
});
