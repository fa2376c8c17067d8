import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closestCommand } from '../../src/cli/suggest.js';

const ids = ['router:add', 'router:ls', 'host:add', 'nat:show', 'status', 'up', 'down', 'listen'];

test('a typo names the nearest command; something unlike any command names none', () => {
  assert.equal(closestCommand('routr:add', ids), 'router:add');
  assert.equal(closestCommand('router:adx', ids), 'router:add');
  assert.equal(closestCommand('stauts', ids), 'status');
  assert.equal(closestCommand('lisen', ids), 'listen');
  assert.equal(closestCommand('frobnicate', ids), undefined);
  assert.equal(closestCommand('nat:show:home', ids), 'nat:show', 'extra words (arguments) are not part of the id');
});
