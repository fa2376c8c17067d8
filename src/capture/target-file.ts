// Writing files safely where others may write too (/tmp): a new file is created under a temp name
// with O_EXCL|O_NOFOLLOW in the target's own directory and renamed over the target, so a symlink
// or hard link planted at the target is replaced, never written through. A symlink target is
// refused unless the caller asks to follow it; then the file is made where the link points.
import { accessSync, closeSync, constants, lstatSync, openSync, readlinkSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { VnetError } from '../engine/errors.js';

/** How many links `followSymlink` goes through before it gives up (Linux's own limit is 40). */
const MAX_LINKS = 8;

export interface TargetOptions {
  /** Write where a symlink at the path points (else a symlink there is an error). */
  followSymlink?: boolean;
  /** How errors name the file: "capture file" or "topology file". */
  what?: string;
}

/**
 * Where a write to `path` will land: `path` itself (absolute), or, with followSymlink, where its links
 * lead. `special` is true for an existing character device or FIFO (written in place: /dev/null).
 * Throws EINVAL when the path is a symlink (without followSymlink), a directory, in a directory that is
 * missing or not writable.
 */
export function checkTarget(path: string, opts: TargetOptions = {}): { path: string; special: boolean } {
  const what = opts.what ?? 'file';
  let target = resolve(path);
  for (let links = 0; ; links++) {
    let st;
    try {
      st = lstatSync(target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw cannot(what, path, err);
      break;
    }
    if (st.isSymbolicLink()) {
      const to = resolve(dirname(target), readlinkSync(target));
      if (!opts.followSymlink) {
        throw new VnetError('EINVAL', `${what} "${path}" is a symbolic link to ${to}; give --follow-symlink to write there, or remove the link`);
      }
      if (links >= MAX_LINKS) throw new VnetError('EINVAL', `${what} "${path}" goes through more than ${MAX_LINKS} symbolic links; name the file itself`);
      target = to;
      continue;
    }
    if (st.isDirectory()) throw new VnetError('EINVAL', `${what} "${path}" is a directory; give a file name`);
    if (st.isCharacterDevice() || st.isFIFO()) return { path: target, special: true };
    if (!st.isFile()) throw new VnetError('EINVAL', `${what} "${path}" is not a regular file; give a file name`);
    break;
  }
  const dir = dirname(target);
  let dirStat;
  try {
    dirStat = statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new VnetError('EINVAL', `cannot write ${what} "${path}": the directory ${dir} does not exist; create it first`, { cause: err });
    throw cannot(what, path, err);
  }
  if (!dirStat.isDirectory()) throw new VnetError('EINVAL', `cannot write ${what} "${path}": ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new VnetError('EINVAL', `cannot write ${what} "${path}": the directory ${dir} may not be written; pick a directory you may write to`, { cause: err });
  }
  return { path: target, special: false };
}

/** A new, empty file beside `target` that nobody else can have opened or linked: O_CREAT|O_EXCL|O_NOFOLLOW. */
export function createTempBeside(target: string, what = 'file'): { fd: number; temp: string } {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  for (let attempt = 0; ; attempt++) {
    const temp = join(dirname(target), `.${basename(target)}.${process.pid}-${Math.floor(Math.random() * 0x1_0000_0000).toString(16)}.tmp`);
    try {
      return { fd: openSync(temp, flags, 0o644), temp };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 8) continue;
      throw cannot(what, target, err);
    }
  }
}

/** Renames the temp file over the target (the final path becomes our file, whatever was there). */
export function publish(temp: string, target: string, what = 'file'): void {
  try {
    renameSync(temp, target);
  } catch (err) {
    removeQuietly(temp);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPERM' || code === 'EACCES') {
      throw new VnetError('EINVAL', `cannot replace ${what} "${target}": it belongs to another user in a shared directory; pick another name`, { cause: err });
    }
    throw cannot(what, target, err);
  }
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or never made: nothing to clean.
  }
}

/** Writes the whole file under a temp name and renames it over `path`: readers see the old file or the new one. */
export function writeFileReplacing(path: string, data: string | Uint8Array, opts: TargetOptions = {}): string {
  const what = opts.what ?? 'file';
  const { path: target, special } = checkTarget(path, opts);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  if (special) {
    const fd = openSync(target, constants.O_WRONLY | constants.O_NOFOLLOW);
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
    } finally {
      closeSync(fd);
    }
    return target;
  }
  const { fd, temp } = createTempBeside(target, what);
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
    closeSync(fd);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // Reporting the write error.
    }
    removeQuietly(temp);
    throw cannot(what, path, err);
  }
  publish(temp, target, what);
  return target;
}

function cannot(what: string, path: string, err: unknown): VnetError {
  const e = err as NodeJS.ErrnoException;
  const why = e.code === 'EACCES' || e.code === 'EROFS' || e.code === 'EPERM' ? 'it may not be written; pick a path in a directory you may write to'
    : e.code === 'ENOSPC' ? 'the disk is full; free space or pick another path'
      : e.code === 'ELOOP' ? 'a symbolic link is in the way; remove it or name the file itself'
        : `${e.message ?? String(err)}`;
  return new VnetError('EINVAL', `cannot write ${what} "${path}": ${e.code ?? 'error'} (${why})`, { cause: err });
}
