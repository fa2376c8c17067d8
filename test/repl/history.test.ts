// The REPL's history file: where it lives, 0600, bounded, blank and repeated lines skipped, kept across runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HistoryFile, historyPath } from '../../src/repl/history.js';

function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-hist-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('historyPath: $VNET_HISTORY_FILE, else $XDG_STATE_HOME/vnet/history, else ~/.local/state/vnet/history', () => {
  assert.equal(historyPath({ VNET_HISTORY_FILE: '/x/h', XDG_STATE_HOME: '/s' }), '/x/h');
  assert.equal(historyPath({ XDG_STATE_HOME: '/s' }), '/s/vnet/history');
  assert.equal(historyPath({ VNET_HISTORY_FILE: 'rel/h' }), resolve('rel/h'));
  assert.equal(historyPath({}), join(homedir(), '.local', 'state', 'vnet', 'history'));
});

test('HistoryFile: creates the file (and its directory) 0600 and keeps lines across instances', () => {
  const t = tempDir();
  try {
    const path = join(t.dir, 'state', 'vnet', 'history');
    const first = new HistoryFile(path);
    assert.deepEqual(first.entries, []);
    first.add('router ls');
    first.add('   ');
    first.add('router ls');
    first.add('host ls');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(readFileSync(path, 'utf8'), 'router ls\nhost ls\n');
    const second = new HistoryFile(path);
    assert.deepEqual(second.entries, ['router ls', 'host ls']);
    assert.deepEqual(second.newestFirst, ['host ls', 'router ls']);
    assert.equal(second.problem, undefined);
  } finally {
    t.cleanup();
  }
});

test('HistoryFile: never holds more than its size, on load or while adding', () => {
  const t = tempDir();
  try {
    const path = join(t.dir, 'history');
    writeFileSync(path, Array.from({ length: 12 }, (_, i) => `cmd ${i}\n`).join(''));
    const h = new HistoryFile(path, 10);
    assert.deepEqual(h.entries, Array.from({ length: 10 }, (_, i) => `cmd ${i + 2}`));
    assert.equal(readFileSync(path, 'utf8').split('\n').filter(Boolean).length, 10, 'an over-long file is cut on load');
    h.add('newest');
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 10);
    assert.equal(lines[0], 'cmd 3');
    assert.equal(lines.at(-1), 'newest');
  } finally {
    t.cleanup();
  }
});

test('HistoryFile: an unwritable place keeps history in memory and says why', () => {
  const t = tempDir();
  try {
    writeFileSync(join(t.dir, 'file'), 'x');
    const h = new HistoryFile(join(t.dir, 'file', 'history'));
    h.add('router ls');
    assert.deepEqual(h.entries, ['router ls']);
    assert.match(h.problem ?? '', /cannot write history .*; history is kept for this run only \(set VNET_HISTORY_FILE/);
  } finally {
    t.cleanup();
  }
});
