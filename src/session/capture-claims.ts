// Which capture files the sessions of this user are writing, so a second session refuses a file
// the first still writes: one claim file per capture file in <runtime dir>/captures, made with
// O_EXCL (two sessions claiming at once: one wins), named by a hash of the file's absolute path
// and holding the writer's pid and session. A claim whose process is gone (kill -9) is stale and
// taken over. Node has no flock(2); a claim in the 0700 runtime dir needs none, and unlike a lock
// beside the capture file it cannot be planted or removed by other users.
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaptureFileClaims } from '../capture/manager.js';
import { VnetError } from '../engine/errors.js';
import { processAlive } from './runtime.js';

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
