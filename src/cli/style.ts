// Colour for people at a terminal only: never in pipes, files, --json or when NO_COLOR is set.
import { Chalk, type ChalkInstance } from 'chalk';

/** Colour for a stream: on when it is a TTY and NO_COLOR is unset (FORCE_COLOR=0 also turns it off). */
export function colourFor(stream: NodeJS.WriteStream, env: Record<string, string | undefined> = process.env): ChalkInstance {
  const off = (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.FORCE_COLOR === '0' || env.TERM === 'dumb';
  return new Chalk({ level: !off && stream.isTTY ? 1 : 0 });
}

/** Colours for stdout and stderr, decided once per process. */
export const out = colourFor(process.stdout);
export const err = colourFor(process.stderr);
