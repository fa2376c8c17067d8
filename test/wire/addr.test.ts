// Address and prefix parsing is exact: what is accepted is what every tool reads the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cidr, formatIpv4, isIpv4, parseIpv4 } from '../../src/wire/addr.js';
import { WireError } from '../../src/wire/errors.js';
import { capMessage, quoteInput } from '../../src/wire/user-input.js';

test('parseIpv4 accepts exact dotted quads', () => {
  for (const text of ['0.0.0.0', '10.0.0.1', '192.168.1.255', '255.255.255.255', '100.64.0.10']) {
    assert.equal(formatIpv4(parseIpv4(text)), text);
    assert.equal(isIpv4(text), true, text);
  }
});

test('parseIpv4 refuses leading zeros, whitespace and everything else, naming the bad part', () => {
  const cases: [string, RegExp][] = [
    ['010.0.0.1', /part "010" has a leading zero; write 10/],
    ['10.00.0.1', /part "00" has a leading zero; write 0/],
    ['10.0.0.01', /leading zero/],
    [' 10.0.0.1', /not 0-255/],
    ['10.0.0.1 ', /not 0-255/],
    ['10.0.0.1\n', /"10\.0\.0\.1\\n" is not an IPv4 address/],
    ['10.0.0.256', /part "256" is not 0-255/],
    ['10.0.0', /want four numbers/],
    ['1.2.3.4.5', /want four numbers/],
    ['+1.2.3.4', /not 0-255/],
    ['', /want four numbers/],
  ];
  for (const [text, want] of cases) {
    assert.equal(isIpv4(text), false, `isIpv4(${JSON.stringify(text)}) is true`);
    assert.throws(() => parseIpv4(text), (e: Error) => e instanceof WireError && want.test(e.message) && !e.message.includes('\n'),
      `parseIpv4(${JSON.stringify(text)}) should fail matching ${want}`);
  }
});

test('Cidr.parse refuses whitespace and leading zeros in the address or the length', () => {
  assert.equal(Cidr.parse('10.0.0.0/8').toString(), '10.0.0.0/8');
  assert.equal(Cidr.parse('0.0.0.0/0').toString(), '0.0.0.0/0');
  for (const text of [' 10.0.0.0/8', '10.0.0.0/8 ', '010.0.0.0/8', '10.0.0.0/08', '10.0.0.0/ 8', '10.0.0.0/33', '10.0.0.0/8\n']) {
    assert.throws(() => Cidr.parse(text), WireError, `Cidr.parse(${JSON.stringify(text)}) was accepted`);
  }
});

test('quoteInput: short values whole, long ones as a 40-character prefix with their size', () => {
  assert.equal(quoteInput('home'), '"home"');
  assert.equal(quoteInput('a\nb'), '"a\\nb"');
  const big = 'x'.repeat(10 * 1024 * 1024);
  assert.equal(quoteInput(big), `"${'x'.repeat(40)}"…(10485760 bytes)`);
  assert.equal(capMessage('short'), 'short');
  assert.ok(capMessage('y'.repeat(5000)).length < 500);
  assert.equal(capMessage('a\nb\tc'), 'a\\nb\\tc');
});

test('a 10 MB address is quoted short in the error', () => {
  const big = `1.${'2'.repeat(10 * 1024 * 1024)}`;
  assert.throws(() => Cidr.parse(big), (e: Error) => e.message.length < 200);
  assert.throws(() => parseIpv4(big), (e: Error) => e.message.length < 200);
});
