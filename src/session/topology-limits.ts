// Limits on a topology file's text, checked by a cheap scan before the YAML parser sees it: a
// file nested thousands of levels deep makes the parser and validator recurse until V8 dies
// with a fatal error no handler can catch, so such text never reaches them.
import { VnetError } from '../engine/errors.js';

/** Largest topology file read, in bytes (a 10,000-host file is about 700 KB). */
export const MAX_TOPOLOGY_BYTES = 4 * 1024 * 1024;
/** Deepest nesting of flow collections (`[` and `{`) (a topology needs 4). */
export const MAX_FLOW_DEPTH = 32;
/** Deepest block indentation, in columns, counting `- `, `? ` and `: ` indicators that open a nested collection on the same line. */
export const MAX_INDENT_COLUMNS = 128;
/** Most nodes the file's aliases may add when they are expanded (each alias adds the nodes of what it names). */
export const MAX_ALIAS_NODES = 100_000;
/** Deepest nesting once aliases are expanded. */
export const MAX_EXPANDED_DEPTH = 64;

/**
 * Throws EINVAL naming FILE:LINE when the text is larger, nested deeper or indented further than the
 * limits above. Brackets inside quoted strings and comments are not counted; a bracket inside a plain
 * scalar in block context (`name: a[b`) is not counted either.
 */
export function checkTopologyText(text: string, fileName: string): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_TOPOLOGY_BYTES) {
    throw new VnetError('EINVAL', `${fileName}: the file is ${bytes} bytes, more than the ${MAX_TOPOLOGY_BYTES} a topology file may have; split it and apply the parts one after another`);
  }
  let depth = 0;
  let line = 1;
  let i = 0;
  const n = text.length;
  const tooDeep = (): VnetError => new VnetError('EINVAL', `${fileName}:${line}: lists and maps nest more than ${MAX_FLOW_DEPTH} levels deep here; a topology needs 4, flatten it`);
  while (i < n) {
    // Start of a line.
    let col = 0;
    while (i < n && (text[i] === ' ' || text[i] === '\t')) {
      i++;
      col++;
    }
    if (depth === 0) {
      // Block context: indicators that open a nested collection on this line count as indentation.
      let indicators = false;
      while (i + 1 < n && (text[i] === '-' || text[i] === '?' || text[i] === ':') && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
        indicators = true;
        i += 2;
        col += 2;
        while (i < n && (text[i] === ' ' || text[i] === '\t')) {
          i++;
          col++;
        }
      }
      if (col > MAX_INDENT_COLUMNS && (indicators || (i < n && text[i] !== '\n' && text[i] !== '\r' && text[i] !== '#'))) {
        throw new VnetError('EINVAL', `${fileName}:${line}: indented ${col} columns, more than the ${MAX_INDENT_COLUMNS} a topology file may nest; flatten it`);
      }
    }
    // Rest of the line.
    let valueStart = true;
    let prevSpace = true;
    while (i < n && text[i] !== '\n') {
      const c = text[i];
      if (c === '#' && prevSpace) {
        while (i < n && text[i] !== '\n') i++;
        break;
      }
      if (c === '"' || c === "'") {
        if (depth > 0 || valueStart) {
          const end = skipQuoted(text, i);
          for (let k = i; k < end; k++) if (text[k] === '\n') line++;
          i = end;
          valueStart = false;
          prevSpace = false;
          continue;
        }
      } else if ((c === '[' || c === '{') && (depth > 0 || valueStart)) {
        depth++;
        if (depth > MAX_FLOW_DEPTH) throw tooDeep();
        valueStart = true;
        prevSpace = true;
        i++;
        continue;
      } else if ((c === ']' || c === '}') && depth > 0) {
        depth--;
      }
      if (c === ' ' || c === '\t') {
        prevSpace = true;
      } else {
        // A value starts after "- ", ": ", "? " in block context and after "," or ":" in flow context.
        const next = text[i + 1];
        const indicator = (c === '-' || c === ':' || c === '?') && (next === ' ' || next === '\t' || next === undefined || next === '\n');
        valueStart = indicator || (depth > 0 && (c === ',' || c === ':'));
        prevSpace = false;
      }
      i++;
    }
    if (i < n) {
      i++;
      line++;
    }
  }
}

/** The index just past the quoted scalar that starts at `start` (or the end of the text). */
function skipQuoted(text: string, start: number): number {
  const q = text[start];
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (q === '"' && c === '\\') {
      i += 2;
      continue;
    }
    if (c === q) {
      if (q === "'" && text[i + 1] === "'") {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return i;
}
