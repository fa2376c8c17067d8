// The REPL's shell-like tokenizer: quoting, escapes, comments, and unfinished input for completion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitWords, tokenize } from '../../src/repl/tokenize.js';

const cases: [string, string, string[]][] = [
  ['plain words and runs of spaces', '  router   add home  ', ['router', 'add', 'home']],
  ['single quotes keep everything', `send alice 1.2.3.4:7 --data 'a "b" \\c'`, ['send', 'alice', '1.2.3.4:7', '--data', 'a "b" \\c']],
  ['double quotes keep spaces and take \\" and \\\\', 'x "a b \\" \\\\ \\n"', ['x', 'a b " \\ \\n']],
  ['backslash outside quotes', 'x a\\ b \\#c', ['x', 'a b', '#c']],
  ['quotes join with the letters around them', `x --data=he'llo w'orld`, ['x', '--data=hello world']],
  ['an empty quoted word is a word', `x '' ""`, ['x', '', '']],
  ['# at the start of a word is a comment', 'router ls # list them', ['router', 'ls']],
  ['# inside a word is not', 'x a#b', ['x', 'a#b']],
  ['a comment line is no words', '   # nothing here', []],
  ['a blank line is no words', '', []],
];

for (const [name, line, want] of cases) {
  test(`tokenize: ${name}`, () => {
    assert.deepEqual(tokenize(line), want, `tokenize(${JSON.stringify(line)})`);
  });
}

test('tokenize: an unclosed quote or a trailing backslash is EINVAL, naming the mend', () => {
  assert.throws(() => tokenize('send "hello'), (e: Error & { code?: string }) => e.code === 'EINVAL' && /double quote .* not closed; add a closing "/.test(e.message));
  assert.throws(() => tokenize("send 'hello"), (e: Error & { code?: string }) => e.code === 'EINVAL' && /single quote/.test(e.message));
  assert.throws(() => tokenize('router ls \\'), (e: Error & { code?: string }) => e.code === 'EINVAL' && /backslash/.test(e.message));
});

test('splitWords: tells whether the last word is still being typed, and about open quotes', () => {
  assert.deepEqual(splitWords('router a'), { words: ['router', 'a'], openQuote: null, danglingEscape: false, inWord: true });
  assert.deepEqual(splitWords('router '), { words: ['router'], openQuote: null, danglingEscape: false, inWord: false });
  assert.deepEqual(splitWords('send "ab'), { words: ['send', 'ab'], openQuote: '"', danglingEscape: false, inWord: true });
});
