// User-typed text inside error messages: quoted, on one line, and at most a short prefix, so that a 10 MB
// name or a value with newlines never turns into 10 MB (or several lines) of stderr.

/** How many characters of a value an error quotes before it cuts it short. */
export const QUOTED_PREFIX_CHARS = 40;

/**
 * A value as errors show it: JSON-quoted (control characters escaped), or the first `max` characters
 * followed by `…(N bytes)` when it is longer.
 */
export function quoteInput(value: string, max = QUOTED_PREFIX_CHARS): string {
  if (value.length <= max) return JSON.stringify(value);
  const bytes = Buffer.byteLength(value);
  return `${JSON.stringify(value.slice(0, max))}…(${bytes} bytes)`;
}

/**
 * A whole message as one bounded line: control characters escaped as in JSON ("\\n"), and cut to `max`
 * characters (a last guard for messages that quote input without quoteInput).
 */
export function capMessage(message: string, max = 400): string {
  // eslint-disable-next-line no-control-regex
  const line = message.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
  if (line.length <= max) return line;
  return `${line.slice(0, max)}…(${Buffer.byteLength(line)} bytes in all)`;
}
