// Splits a REPL line into words the way a shell would: '...' and "..." quoting, backslash escapes, # comments.
import { invalid } from '../engine/errors.js';

/** A line cut into words, tolerating an unfinished end (for completion). */
export interface Words {
  words: string[];
  /** The quote still open at the end of the line, if any. */
  openQuote: '"' | "'" | null;
  /** The line ends in a lone backslash. */
  danglingEscape: boolean;
  /** The last word is still being typed (the line does not end in unquoted whitespace). */
  inWord: boolean;
}

const SPACE = /\s/;

/**
 * Cuts a line into words without failing. Single quotes keep everything literally; double quotes
 * keep everything but `\"` and `\\`; outside quotes a backslash makes the next character literal.
 * An unquoted `#` at the start of a word starts a comment that runs to the end of the line.
 */
export function splitWords(line: string): Words {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += c;
    } else if (c === '\\') {
      if (i + 1 === line.length) return { words: [...words, word], openQuote: null, danglingEscape: true, inWord: true };
      word += line[++i];
      inWord = true;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (SPACE.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (c === '#' && !inWord) {
      break;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord || quote !== null) words.push(word);
  return { words, openQuote: quote, danglingEscape: false, inWord: inWord || quote !== null };
}

/** The words of a complete line; an unclosed quote or a trailing backslash is an EINVAL error. */
export function tokenize(line: string): string[] {
  const w = splitWords(line);
  if (w.openQuote !== null) throw invalid(`the ${w.openQuote === '"' ? 'double' : 'single'} quote opened on this line is not closed; add a closing ${w.openQuote}`);
  if (w.danglingEscape) throw invalid('the line ends in a backslash, which escapes nothing; remove it or quote it as \'\\\'');
  return w.words;
}
