// Which capture files the sessions of this user are writing, so a second session refuses a file
// the first still writes: one claim file per capture file in <runtime dir>/captures, made with
// O_EXCL (two sessions claiming at once: one wins), named by a hash of the file's absolute path
// and holding the writer's pid and session. A claim whose process is gone (kill -9) is stale and
// taken over. Node has no flock(2); a claim in the 0700 runtime dir needs none, and unlike a lock
// beside the capture file it cannot be planted or removed by other users.
// A stale claim also says which file a dead session was writing: recoverStaleCaptures mends those
// files (a record the kernel cut short when the writer was killed is removed) when a session starts.
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CaptureFileClaims } from '../capture/manager.js';
import { mendCaptureFile } from '../capture/repair.js';
import { VnetError } from '../engine/errors.js';
import { processAlive, runtimeDir, runtimeDirPath } from './runtime.js';

export class RuntimeDirClaims implements CaptureFileClaims {
  /** `dir` is `() => runtimeDir()`: asked on first use, so a session that never captures to a file never makes it. */
  constructor(private readonly dir: () => string, private readonly session: string) {}

  holder(path: string): string | null {
    const held = this.read(this.claimPath(path));
    return held === null ? null : `session ${held.session} (pid ${held.pid})`;
  }

  claim(path: string): () => void {
    const claimFile = this.claimPath(path);
    mkdirSync(join(this.dir(), 'captures'), { recursive: true, mode: 0o700 });
    const body = `${JSON.stringify({ pid: process.pid, session: this.session, file: path })}\n`;
    // Written whole under a private name, then linked into place: link(2) fails if the claim exists, and
    // nobody ever reads a half-written claim.
    const temp = `${claimFile}.${process.pid}.tmp`;
    writeFileSync(temp, body, { mode: 0o600 });
    try {
      return this.link(temp, claimFile, path);
    } finally {
      try {
        unlinkSync(temp);
      } catch {
        // Nothing to clean.
      }
    }
  }

  private link(temp: string, claimFile: string, path: string): () => void {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(temp, claimFile);
        return () => {
          try {
            unlinkSync(claimFile);
          } catch {
            // Gone already: nothing to release.
          }
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new VnetError('EINVAL', `cannot record that capture file "${path}" is in use (${(err as Error).message}); check the runtime directory ${this.dir()}`, { cause: err });
        }
        const held = this.read(claimFile);
        if (held !== null) throw new VnetError('EINVAL', `capture file "${path}" is being written by session ${held.session} (pid ${held.pid}); stop that capture first or pick another file`);
        // Stale (its process is gone): read() removed it; try again.
      }
    }
    throw new VnetError('EINVAL', `capture file "${path}" is being claimed by another session at the same moment; try again`);
  }

  private claimPath(path: string): string {
    return join(this.dir(), 'captures', `${createHash('sha256').update(path).digest('hex').slice(0, 32)}.claim`);
  }

  /** The live holder of a claim file, or null when there is none; a claim of a dead process is removed. */
  private read(claimFile: string): { pid: number; session: string } | null {
    let held: { pid?: unknown; session?: unknown };
    try {
      held = JSON.parse(readFileSync(claimFile, 'utf8')) as typeof held;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      held = {}; // Unreadable: treat as stale.
    }
    const pid = typeof held.pid === 'number' ? held.pid : 0;
    if (pid > 0 && processAlive(pid)) return { pid, session: typeof held.session === 'string' ? held.session : '?' };
    try {
      unlinkSync(claimFile);
    } catch {
      // Someone else cleaned it up.
    }
    return null;
  }
}

/**
 * Mends the files named by stale claims of this user (their session died: kill -9, a crash): each is
 * cut back to its last whole record, the claim is dropped, and a temp file the dead session had not
 * yet renamed into place is removed. Returns one line per file changed or left alone (nothing for a
 * file that was already whole). Run when a session starts (`vnet up`, the REPL, `vnet exec -f`) and
 * by `vnet down` of a session that died. A runtime directory that is missing or not safely ours is
 * not read.
 */
export function recoverStaleCaptures(env: Record<string, string | undefined> = process.env): string[] {
  if (!existsSync(join(runtimeDirPath(env), 'captures'))) return [];
  let dir: string;
  try {
    dir = runtimeDir(env);
  } catch {
    return []; // Not safely ours: its claims are not trusted (the session's own capture says why).
  }
  const lines: string[] = [];
  const claims = new RuntimeDirClaims(() => dir, 'recovery');
  for (const name of readdirSync(join(dir, 'captures'))) {
    if (!name.endsWith('.claim')) continue;
    const claimFile = join(dir, 'captures', name);
    let text: string;
    let held: { pid?: unknown; session?: unknown; file?: unknown };
    try {
      text = readFileSync(claimFile, 'utf8');
      held = JSON.parse(text) as typeof held;
    } catch {
      continue; // Gone meanwhile, or unreadable: claim() treats the latter as stale when the file is claimed.
    }
    const pid = typeof held.pid === 'number' ? held.pid : 0;
    if (typeof held.file !== 'string' || (pid > 0 && processAlive(pid))) continue;
    const file = held.file;
    const who = `session ${typeof held.session === 'string' ? held.session : '?'} (pid ${pid})`;
    let release: () => void;
    try {
      // Taken over for the mending (the stale claim goes), so no new session starts writing the file meanwhile.
      release = claims.claim(file);
    } catch {
      continue; // A live session claimed it first: the file is its now.
    }
    try {
      lines.push(...mendOne(file, pid, who));
    } finally {
      release();
      dropIfUnchanged(claimFile, text);
    }
  }
  return lines;
}

/** Removes a stale claim that claim() did not replace (one not named by its file's hash), unless it changed meanwhile. */
function dropIfUnchanged(claimFile: string, text: string): void {
  try {
    if (readFileSync(claimFile, 'utf8') === text) unlinkSync(claimFile);
  } catch {
    // Gone already.
  }
}

function mendOne(file: string, pid: number, who: string): string[] {
  const lines: string[] = [];
  // A capture not yet started is still under its temp name (.NAME.PID-RANDOM.tmp beside it).
  const prefix = `.${basename(file)}.${pid}-`;
  let beside: string[] = [];
  try {
    beside = readdirSync(dirname(file));
  } catch {
    // Its directory is gone or unreadable: nothing to mend there.
  }
  for (const temp of beside.filter((n) => n.startsWith(prefix) && n.endsWith('.tmp'))) {
    try {
      unlinkSync(join(dirname(file), temp));
      lines.push(`capture ${file}: removed ${temp}, the unfinished start of it, after ${who} died`);
    } catch {
      // Someone else removed it.
    }
  }
  try {
    const m = mendCaptureFile(file);
    if (m.kind === 'cut') lines.push(`capture ${file}: cut final record (${m.removed} bytes) removed after ${who} died while writing it; ${m.size} bytes of whole records kept`);
    else if (m.kind === 'left') lines.push(`capture ${file}: left as it is after ${who} died while writing it: ${m.why}`);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ENOENT') lines.push(`capture ${file}: not checked after ${who} died while writing it: ${e.code ?? ''} ${e.message}`.replace(/ {2}/, ' '));
  }
  return lines;
}

/** recoverStaleCaptures, each line on stderr as `vnet: LINE` (where a session starts or a dead one is cleaned up). */
export function reportStaleCaptures(env: Record<string, string | undefined> = process.env, write = (text: string): unknown => process.stderr.write(text)): void {
  for (const line of recoverStaleCaptures(env)) write(`vnet: ${line}\n`);
}
