// Escaping text for man(7) roff: backslashes, hyphens of options, control characters at line starts, non-ASCII.

/** Non-ASCII characters as groff/mandoc Unicode escapes, so no input encoding is assumed. */
function escapeUnicode(s: string): string {
  return s.replace(/[^\x20-\x7e\n\t]/gu, (ch) => `\\[u${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`);
}

/** A line that would start with `.` or `'` is a request to roff; `\&` makes it text. */
function guardLineStarts(s: string): string {
  return s.replace(/^(?=[.'])/gm, '\\&');
}

/** Literal text (commands, flags, examples): every hyphen is a minus sign, as a shell needs it. */
export function code(s: string): string {
  return escapeUnicode(s.replace(/\\/g, '\\e').replace(/-/g, '\\-'));
}

/**
 * Prose: backslashes escaped, options such as `--json` or `-f` written with minus signs, and `quoted code`
 * set in bold. Line starts are guarded by `lines()`.
 */
export function prose(s: string): string {
  const parts = s.split(/(`[^`\n]+`)/);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return `\\fB${code(part.slice(1, -1))}\\fR`;
      const escaped = part.replace(/\\/g, '\\e');
      return escapeUnicode(escaped.replace(/(^|[\s([/"'])(--?[A-Za-z][\w-]*)/g, (_m, lead: string, opt: string) => lead + opt.replace(/-/g, '\\-')));
    })
    .join('');
}

export const bold = (s: string): string => `\\fB${s}\\fR`;
export const italic = (s: string): string => `\\fI${s}\\fR`;

/** A macro argument in double quotes (a literal `"` inside is `\(dq`). */
export function quoted(s: string): string {
  return `"${s.replace(/"/g, '\\(dq')}"`;
}

/**
 * Joins page lines. Blank lines are dropped (in roff they print as blank lines); every text line that starts
 * with `.` or `'` but is not one of our requests gets `\&`. Requests are marked by the caller with `request()`.
 */
export function page(lines: (string | Request)[]): string {
  const out: string[] = [];
  for (const l of lines) {
    if (typeof l !== 'string') out.push(l.text);
    else for (const t of l.split('\n')) if (t.trim() !== '') out.push(guardLineStarts(t.replace(/^\s+/, '')));
  }
  return out.join('\n') + '\n';
}

export interface Request {
  text: string;
}

/** A roff request line such as `.SH NAME`, passed through unguarded. */
export function request(name: string, ...args: string[]): Request {
  return { text: [`.${name}`, ...args].join(' ') };
}

/** Paragraphs of prose: blank lines separate them (`.PP`), single newlines keep the lines. */
export function paragraphs(text: string | undefined): (string | Request)[] {
  if (text === undefined || text.trim() === '') return [];
  const out: (string | Request)[] = [];
  text.trim().split(/\n\s*\n/).forEach((para, i) => {
    if (i > 0) out.push(request('PP'));
    out.push(prose(para));
  });
  return out;
}

/** Preformatted lines (examples), indented, each escaped as code. */
export function literalBlock(lines: string[]): (string | Request)[] {
  return [request('RS', '4'), request('nf'), ...lines.map((l) => ({ text: guardLineStarts(code(l)) || '\\&' })), request('fi'), request('RE')];
}
