// Tab completion against the real command metadata: command words, flags, flag options, node and interface names.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Config } from '@oclif/core';
import { CommandTable } from '../../src/repl/command-table.js';
import { complete, type SessionNames } from '../../src/repl/completer.js';
import { ROOT } from './helpers.js';

let table: CommandTable;
const names: SessionNames = { routers: ['internet', 'home'], hosts: ['alice', 'server'], interfaces: ['internet/lan', 'home/lan', 'home/uplink', 'alice/eth0', 'alice/lo', 'server/eth0', 'server/lo'] };
let asked = 0;
const source = async (): Promise<SessionNames> => {
  asked++;
  return names;
};

before(async () => {
  const config = await Config.load(ROOT);
  table = new CommandTable(config.commands, config.bin);
});

// The same rules as the shell completions (src/cli/docs/value-kinds.ts): what a value names comes from its name.
const cases: [string, string, string[], string][] = [
  ['first words: topics, commands and the REPL\'s own', 'ro', ['router '], 'ro'],
  ['first words offer several when ambiguous', 's', ['send', 'shell', 'show', 'source', 'status', 'stun'], 's'],
  ['verbs of a topic', 'router ', ['add', 'iface', 'ls', 'rm', 'set', 'show'], ''],
  ['a verb by prefix', 'host s', ['show '], 's'],
  ['flags of the command being typed', 'router add home --ci', ['--cidr '], '--ci'],
  ['boolean flags with --no- where allowed', 'router add x --no-h', ['--no-hairpin '], '--no-h'],
  ['the options of an option flag', 'router add x --nat s', ['symmetric '], 's'],
  ['router names for --parent', 'router add x --parent ', ['home', 'internet'], ''],
  ['host names for a host argument', 'send a', ['alice '], 'a'],
  ['router names for `nat show`', 'nat show h', ['home '], 'h'],
  ['interfaces and nodes for an IFACE argument', 'filter add home', ['home', 'home/lan', 'home/uplink'], 'home'],
  ['interfaces after a slash', 'filter add alice/e', ['alice/eth0 '], 'alice/e'],
  ['interfaces for capture start', 'capture start home/', ['home/lan', 'home/uplink'], 'home/'],
  ['every IFACE of capture start, after flags', 'capture start home/lan -w x.pcapng alice/', ['alice/eth0', 'alice/lo'], 'alice/'],
  ['interfaces for filter ls', 'filter ls server/e', ['server/eth0 '], 'server/e'],
  ['a new name is not completed', 'router add h', [], 'h'],
  ['flag values are skipped when counting arguments', 'send --count 2 alice s', ['server '], 's'],
  ['host names for an endpoint (HOST:PORT)', 'listen al', ['alice '], 'al'],
  ['files for a file flag', `apply -f ${ROOT}package.js`, [`${ROOT}package.json `], `${ROOT}package.js`],
  ['directories for a file argument, without a space', `init ${ROOT}dis`, [`${ROOT}dist/`], `${ROOT}dis`],
  ['help completes command words', 'help router sh', ['show '], 'sh'],
  ['nothing inside an open quote', 'send alice "x', [], ''],
  ['nothing after an unknown word', 'bogus ', [], ''],
];

for (const [name, line, want, replaced] of cases) {
  test(`complete: ${name}`, async () => {
    const [hits, part] = await complete(line, table, source);
    assert.deepEqual(hits, want, `complete(${JSON.stringify(line)}) gave ${JSON.stringify(hits)}, want ${JSON.stringify(want)}`);
    assert.equal(part, replaced);
  });
}

test('complete: node names are asked of the session only where a name is wanted', async () => {
  asked = 0;
  await complete('router a', table, source);
  await complete('router add x --c', table, source);
  assert.equal(asked, 0);
  await complete('host show ', table, source);
  assert.equal(asked, 1);
});

test('complete: a session that fails to answer completes nothing, without throwing', async () => {
  const [hits] = await complete('host show a', table, () => Promise.reject(new Error('daemon gone')));
  assert.deepEqual(hits, []);
});
