// Topology text the parser must never see (too large, nested too deep, alias bombs) and YAML that
// toJS would throw or warn about: each is an EINVAL (exit 2) naming FILE:LINE, and nothing is printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VnetError } from '../../src/engine/errors.js';
import { parseTopology, readTopologyFile, topologySettings } from '../../src/session/topology.js';
import { checkTopologyText, MAX_FLOW_DEPTH, MAX_INDENT_COLUMNS, MAX_TOPOLOGY_BYTES } from '../../src/session/topology-limits.js';

interface Case {
  name: string;
  text: string;
  /** The message, from its start. */
  says: RegExp;
}

const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
for (let i = 1; i < 8; i++) bomb.push(`${'abcdefgh'[i]}: &${'abcdefgh'[i]} [${Array(10).fill(`*${'abcdefgh'[i - 1]}`).join(', ')}]`);

const CASES: Case[] = [
  { name: '10,000 nested [', text: `version: 1\nrouters: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`, says: /^t\.yaml:2: lists and maps nest more than 32 levels deep here/ },
  { name: '10,000 nested {', text: `version: 1\n\nrouters: ${'{a: '.repeat(10_000)}\n`, says: /^t\.yaml:3: lists and maps nest more than 32 levels deep/ },
  { name: 'nested block lists on one line', text: `version: 1\nrouters:\n${'- '.repeat(5000)}x\n`, says: /^t\.yaml:3: indented 10000 columns, more than the 128/ },
  { name: 'deep indentation', text: `version: 1\nrouters:\n${Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}- `).join('\n')}x\n`, says: /^t\.yaml:130: indented 129 columns, more than the 128/ },
  { name: 'undefined alias', text: 'version: 1\nrouters:\n  - *nope\n', says: /^t\.yaml:3: alias \*nope names no anchor before it; define &nope first/ },
  { name: 'alias bomb', text: `${bomb.join('\n')}\nversion: 1\n`, says: /^t\.yaml:5: aliases up to \*d expand to \d+ nodes, more than the 100000 a topology file may/ },
  { name: 'alias inside what it names', text: 'version: 1\nrouters: &r [*r]\n', says: /^t\.yaml:2: alias \*r is inside the value it names/ },
  { name: 'a list as a key', text: 'version: 1\n? [a, b]\n: 1\n', says: /^t\.yaml:2: a list is used as a key; keys are plain names/ },
  { name: 'bytes as a key', text: 'version: 1\n!!binary aGVsbG8=: 1\n', says: /^t\.yaml:2: a value that is not text or a number is used as a key/ },
  { name: 'a map as a key', text: 'version: 1\nrouters:\n  - {a: 1}: 2\n', says: /^t\.yaml:3: a map is used as a key/ },
];

for (const c of CASES) {
  test(`limits: ${c.name} is an EINVAL naming FILE:LINE, with no warning`, () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      assert.throws(() => parseTopology(c.text, 't.yaml'), (err: unknown) => {
        assert.ok(err instanceof VnetError, `got ${String(err)}, want a VnetError`);
        assert.equal(err.code, 'EINVAL');
        assert.match(err.message, c.says);
        assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
        return true;
      });
    } finally {
      process.off('warning', onWarning);
    }
    // Warnings are emitted on the next tick.
    return new Promise<void>((resolve) => setImmediate(() => {
      assert.deepEqual(warnings, []);
      resolve();
    }));
  });
}

test('limits: a deeply nested file applied again and again keeps failing the same way (no fatal V8 error)', () => {
  const text = `version: 1\nrouters: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`;
  for (let i = 0; i < 50; i++) assert.throws(() => parseTopology(text, 't.yaml'), /nest more than 32 levels/);
  // `vnet up -f` reads clock and seed first: it must not parse the text either.
  assert.deepEqual(topologySettings(text), {});
});

test('limits: brackets in quotes, comments and plain scalars do not count; the limits themselves pass', () => {
  const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
  const ok = [
    `x: ${deep(MAX_FLOW_DEPTH)}\n`,
    `x: "${'['.repeat(100)}"\ny: '${'{'.repeat(100)}'\n# ${'['.repeat(100)}\nz: a${'['.repeat(100)}\n`,
    `x:\n${' '.repeat(MAX_INDENT_COLUMNS)}y\n`,
    `x: [ "]]]]", '[[[[', ${deep(10)} ]\n`,
  ];
  for (const text of ok) assert.doesNotThrow(() => checkTopologyText(text, 't.yaml'), text.slice(0, 60));
  assert.throws(() => checkTopologyText(`x: ${deep(MAX_FLOW_DEPTH + 1)}\n`, 't.yaml'), /t\.yaml:1: lists and maps nest more than 32/);
  assert.throws(() => checkTopologyText(`x:\n${' '.repeat(MAX_INDENT_COLUMNS + 1)}y\n`, 't.yaml'), /t\.yaml:2: indented 129 columns/);
});

test('limits: a file larger than the limit is refused before it is read whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-limits-'));
  try {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `# ${'x'.repeat(MAX_TOPOLOGY_BYTES)}\n`);
    await assert.rejects(readTopologyFile(big), (err: unknown) => {
      assert.ok(err instanceof VnetError && err.code === 'EINVAL', String(err));
      assert.match(err.message, new RegExp(`^${big.replace(/[.]/g, '\\.')}: the file is \\d+ bytes or more, more than the ${MAX_TOPOLOGY_BYTES}`));
      return true;
    });
    const atLimit = join(dir, 'ok.yaml');
    writeFileSync(atLimit, `version: 1\n# ${'x'.repeat(MAX_TOPOLOGY_BYTES - 14)}\n`);
    const src = await readTopologyFile(atLimit);
    assert.equal(Buffer.byteLength(src.text), MAX_TOPOLOGY_BYTES);
    assert.throws(() => parseTopology(`${src.text}#`, 'ok.yaml'), /ok\.yaml: the file is 4194305 bytes, more than the 4194304/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
