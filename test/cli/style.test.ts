import assert from 'node:assert/strict';
import { test } from 'node:test';
import { colourFor } from '../../src/cli/style.js';

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

test('colour only on a terminal, and never with NO_COLOR, FORCE_COLOR=0 or TERM=dumb', () => {
  assert.equal(colourFor(tty, {}).red('x'), '\u001b[31mx\u001b[39m');
  assert.equal(colourFor(pipe, {}).red('x'), 'x');
  assert.equal(colourFor(tty, { NO_COLOR: '1' }).red('x'), 'x');
  assert.equal(colourFor(tty, { NO_COLOR: '' }).red('x'), '\u001b[31mx\u001b[39m', 'an empty NO_COLOR does not count (no-color.org)');
  assert.equal(colourFor(tty, { FORCE_COLOR: '0' }).red('x'), 'x');
  assert.equal(colourFor(tty, { TERM: 'dumb' }).red('x'), 'x');
});
