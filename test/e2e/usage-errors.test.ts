// Bad usage through the real binary: unknown commands (the not-found hook) and commands outside the session's
// (demo) end the same way as the rest: one `vnet:` line on stderr, exit 2, and with --json an error document.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { CliSandbox } from './cli-helpers.js';

const box = new CliSandbox();
after(() => box.cleanup());

const cases: [string, string[], RegExp][] = [
  ['an unknown command', ['bogus'], /^vnet: no command "bogus"; `vnet --help` lists them$/],
  ['an unknown command with the nearest', ['router', 'ad'], /^vnet: no command "router ad"; did you mean `vnet router add`\?/],
  ['demo with a bad seed', ['demo', '--seed', 'abc'], /^vnet: --seed must be a whole number, got "abc"; see `vnet demo --help`$/],
  ['capture start without -w', ['capture', 'start', 'home/lan'], /^vnet: `vnet capture start` needs -w\/--write: /],
  ['a non-numeric id', ['map', 'rm', 'abc'], /^vnet: ID must be a whole number, got "abc"/],
];

for (const [name, argv, want] of cases) {
  test(`bad usage: ${name} is one line, exit 2, and a JSON error with --json`, async () => {
    const r = await box.run(argv);
    assert.equal(r.code, 2, `vnet ${argv.join(' ')}: exit ${r.code}; ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^[^\n]*\n$/, `not one line: ${JSON.stringify(r.stderr)}`);
    assert.match(r.stderr.trimEnd(), want);
    const j = await box.run([...argv, '--json']);
    assert.equal(j.code, 2);
    assert.equal(j.stderr, r.stderr);
    const doc = JSON.parse(j.stdout) as { error: { code: string; message: string; exit: number } };
    assert.deepEqual(doc, { error: { code: 'EINVAL', message: r.stderr.trimEnd().replace(/^vnet: /, ''), exit: 2 } });
  });
}
