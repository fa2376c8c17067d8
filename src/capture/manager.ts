// The captures of one network: check (everything but opening), prepare (file made under a temp
// name, header written), commit (renamed into place, taps attached) or abandon; list, stop, flush.
// A capture that fails ends alone (a `capture-failed` network event says why); the network goes on.
// No two captures write one file: this manager knows its own, and `claims` (the session's
// registry in the runtime directory) knows those of other sessions.
import { constants, openSync } from 'node:fs';
import { extname } from 'node:path';
import { invalid, notFound, VnetError } from '../engine/errors.js';
import type { Interface } from '../engine/iface.js';
import type { Network } from '../engine/network.js';
import { Capture, type CaptureInfo } from './capture.js';
import {
  interfaceDescriptionBlock, MAX_SNAPLEN, pcapFileHeader, sectionHeaderBlock, type CaptureFormat, type TimestampResolution,
} from './formats.js';
import { CaptureOutput, type OutputTarget } from './output.js';
import { checkTarget, createTempBeside, publish, removeQuietly } from './target-file.js';
import { vnetVersion } from './version.js';

/** Who writes which capture file, across processes. */
export interface CaptureFileClaims {
  /** A description of who else writes `path` ("session lab (pid 4242)"), or null when nobody does. */
  holder(path: string): string | null;
  /** Claims `path` for this process; returns how to let it go. Throws EINVAL when another holds it. */
  claim(path: string): () => void;
}

export interface CaptureManagerOptions {
  claims?: CaptureFileClaims;
}

/** A capture whose file is made and holds its header, not yet in place: commit or abandon it. */
export interface PreparedCapture {
  commit(): CaptureInfo;
  abandon(): void;
}

export interface CaptureStartOptions {
  /** "NODE/IFACE" or "NODE" (its default interface); at least one, no interface twice. */
  ifaces: string[];
  /** A path to write... */
  file?: string;
  /** ...or a stream: the file header first, then one call per record as it happens. */
  sink?: (chunk: Uint8Array) => void;
  /** Default: pcap for a `.pcap` file, pcapng otherwise. */
  format?: CaptureFormat;
  /** Bytes kept of each frame, 1..262144 (default 262144). */
  snaplen?: number;
  /** pcapng only: packets dropped on the captured interfaces too, with a comment "dropped: REASON". */
  withDrops?: boolean;
  /** pcap timestamp resolution (magic); default ns. pcapng is always ns. */
  resolution?: TimestampResolution;
  /** Write where a symlink at `file` points (else a symlink there is refused). */
  followSymlink?: boolean;
}

/** What check() found: the settings and, for a file, where it will be written. */
interface CapturePlan {
  ifaces: Interface[];
  format: CaptureFormat;
  snaplen: number;
  withDrops: boolean;
  resolution: TimestampResolution;
  target: { path: string; special: boolean } | null;
}

export class CaptureManager {
  readonly net: Network;
  private readonly captures = new Map<number, Capture>();
  /** The file each running capture writes (after links), and how to release its claim. */
  private readonly files = new Map<number, { path: string; release: () => void }>();
  /** Files of prepared captures not yet committed or abandoned. */
  private readonly preparing = new Set<string>();
  private readonly claims: CaptureFileClaims | undefined;
  private nextId = 1;

  constructor(net: Network, opts: CaptureManagerOptions = {}) {
    this.net = net;
    this.claims = opts.claims;
  }

  /** Starts a capture, or throws a VnetError and starts nothing (no file touched). */
  start(opts: CaptureStartOptions): CaptureInfo {
    return this.prepare(opts).commit();
  }

  /**
   * Everything start() checks, opening nothing: interfaces, format, snaplen, the file's directory,
   * a symlink at the path, and whether a capture here or in another session writes that file.
   */
  check(opts: CaptureStartOptions): void {
    this.plan(opts);
  }

  /**
   * The file checks of check() alone (the interfaces may not exist yet): where `opts.file` will be
   * written, after links; throws when it cannot be, or when a capture here or elsewhere writes it.
   */
  checkFile(opts: Pick<CaptureStartOptions, 'file' | 'followSymlink'>): string {
    if (typeof opts.file !== 'string' || opts.file === '') throw invalid('the capture file name is empty; give a path such as home.pcapng');
    const target = checkTarget(opts.file, { followSymlink: opts.followSymlink, what: 'capture file' });
    this.checkNotWritten(opts.file, target.path);
    return target.path;
  }

  /**
   * Checks, then makes the file under a temp name beside it and writes the header: the file named is
   * not touched until commit() renames the temp over it (and attaches the taps). abandon() removes it.
   */
  prepare(opts: CaptureStartOptions): PreparedCapture {
    const plan = this.plan(opts);
    const header = plan.format === 'pcap' ? [pcapFileHeader(plan.snaplen, plan.resolution)] : pcapngHeader(plan.ifaces, plan.snaplen);
    const file = plan.target;
    let release = (): void => {};
    let temp: string | null = null;
    let target: OutputTarget;
    if (file === null) {
      target = { kind: 'sink', sink: opts.sink! };
    } else {
      release = this.claims?.claim(file.path) ?? release;
      try {
        if (file.special) {
          target = { kind: 'file', fd: openSync(file.path, constants.O_WRONLY | constants.O_NOFOLLOW), path: file.path, stream: true };
        } else {
          const made = createTempBeside(file.path, 'capture file');
          temp = made.temp;
          target = { kind: 'file', fd: made.fd, path: file.path };
        }
      } catch (err) {
        release();
        throw err instanceof VnetError ? err : cannotWrite(`capture file "${opts.file}"`, err);
      }
      this.preparing.add(file.path);
    }
    const started: { capture?: Capture } = {};
    const out = new CaptureOutput(target, (err) => started.capture?.fail(err), { pcapng: plan.format === 'pcapng' });
    let done = false;
    const abandon = (): void => {
      if (done) return;
      done = true;
      out.abandon();
      if (temp !== null) removeQuietly(temp);
      if (file !== null) this.preparing.delete(file.path);
      release();
    };
    try {
      for (const h of header) out.append(h);
      // On disk at once (a file); a sink gets it as the stream's first chunk at commit.
      if (target.kind === 'file') out.flush();
    } catch (err) {
      abandon();
      throw cannotWrite(file !== null ? `capture file "${opts.file}"` : 'the capture stream', err);
    }
    const commit = (): CaptureInfo => {
      if (done) throw new Error('a prepared capture was committed after it ended; this is a bug, please report it');
      try {
        if (temp !== null) publish(temp, file!.path, 'capture file');
        temp = null;
        if (target.kind === 'sink') out.commit();
      } catch (err) {
        abandon();
        throw err instanceof VnetError ? err : cannotWrite('the capture stream', err);
      }
      done = true;
      const id = this.nextId++;
      const capture = new Capture({
        id, ifaces: plan.ifaces, file: opts.file ?? null, format: plan.format, snaplen: plan.snaplen, withDrops: plan.withDrops,
        resolution: plan.resolution, originUnixSeconds: this.net.clock.originUnixSeconds, startedAtNs: this.net.now(),
      }, out, (c) => this.failed(c));
      started.capture = capture;
      capture.attach();
      this.captures.set(id, capture);
      if (file !== null) {
        this.preparing.delete(file.path);
        this.files.set(id, { path: file.path, release });
      }
      return capture.info();
    };
    return { commit, abandon };
  }

  private plan(opts: CaptureStartOptions): CapturePlan {
    const ifaces = this.resolveIfaces(opts.ifaces);
    const format = checkFormat(opts);
    const snaplen = checkSnaplen(opts.snaplen);
    const withDrops = opts.withDrops ?? false;
    const resolution = opts.resolution ?? 'ns';
    if (resolution !== 'ns' && resolution !== 'us') throw invalid(`timestamp resolution "${String(resolution)}" is not ns or us`);
    if (format === 'pcap' && ifaces.length > 1) {
      throw invalid(`a pcap file holds one interface and ${ifaces.length} were given (${ifaces.map((i) => i.fullName).join(', ')}); use --format pcapng`);
    }
    if (format === 'pcap' && withDrops) throw invalid('pcap cannot record dropped packets (no comments); use --format pcapng with --with-drops');
    if (format === 'pcapng' && resolution === 'us') throw invalid('pcapng captures always use nanosecond timestamps; resolution us applies to --format pcap');
    if (opts.file === undefined) return { ifaces, format, snaplen, withDrops, resolution, target: null };
    const target = checkTarget(opts.file, { followSymlink: opts.followSymlink, what: 'capture file' });
    this.checkNotWritten(opts.file, target.path);
    return { ifaces, format, snaplen, withDrops, resolution, target };
  }

  /** Refuses a file that a running or prepared capture here, or a capture of another session, writes. */
  private checkNotWritten(given: string, path: string): void {
    const shown = given === path ? `"${given}"` : `"${given}" (${path})`;
    for (const [id, f] of this.files) {
      if (f.path !== path) continue;
      const c = this.captures.get(id)!;
      throw invalid(`capture file ${shown} is already written by capture ${id} on ${c.s.ifaces.map((i) => i.fullName).join(', ')}; stop it first (\`vnet capture stop ${id}\`) or pick another file`);
    }
    if (this.preparing.has(path)) throw invalid(`capture file ${shown} is named by two captures; give each its own file`);
    const other = this.claims?.holder(path);
    if (other) throw invalid(`capture file ${shown} is being written by ${other}; stop that capture first or pick another file`);
  }

  list(): CaptureInfo[] {
    return [...this.captures.values()].map((c) => c.info());
  }

  /** Detaches, flushes and closes one capture; it leaves the list. */
  stop(id: number): CaptureInfo {
    const c = this.captures.get(id);
    if (c === undefined) {
      const ids = [...this.captures.keys()];
      throw notFound(`no capture with id ${id}${ids.length > 0 ? ` (running: ${ids.join(', ')})` : ''}; see \`vnet capture ls\``);
    }
    c.stop();
    this.captures.delete(id);
    this.releaseFile(id);
    return c.info();
  }

  /** Stops every capture (what `vnet down`, SIGINT and SIGTERM call). */
  stopAll(): CaptureInfo[] {
    return [...this.captures.keys()].map((id) => this.stop(id));
  }

  /** Writes every capture's buffered records now. */
  flush(): void {
    for (const c of this.captures.values()) c.flush();
  }

  /** A capture's failure goes to the network's event stream (`capture-failed`); list() keeps its info. */
  private failed(c: Capture): void {
    const info = c.info();
    this.releaseFile(info.id);
    this.net.emit({ type: 'capture-failed', time: this.net.now(), id: info.id, error: info.error ?? '' });
  }

  private releaseFile(id: number): void {
    const f = this.files.get(id);
    if (f === undefined) return;
    this.files.delete(id);
    f.release();
  }

  private resolveIfaces(names: string[]): Interface[] {
    if (!Array.isArray(names) || names.length === 0) throw invalid('no interface to capture on; name at least one, e.g. home/uplink');
    const seen = new Map<Interface, string>();
    for (const name of names) {
      const iface = this.net.iface(name);
      const earlier = seen.get(iface);
      if (earlier !== undefined) {
        throw invalid(`interface ${iface.fullName} is given twice (${earlier === name ? `"${name}"` : `"${earlier}" and "${name}"`}); name each interface once`);
      }
      seen.set(iface, name);
    }
    return [...seen.keys()];
  }
}

function checkFormat(opts: CaptureStartOptions): CaptureFormat {
  if (opts.file !== undefined && opts.sink !== undefined) throw invalid('give a capture either a file or a sink, not both');
  if (opts.file === undefined && opts.sink === undefined) throw invalid('a capture needs somewhere to write: a file (-w FILE) or a stream (-w -)');
  if (opts.file !== undefined && (typeof opts.file !== 'string' || opts.file === '')) throw invalid('the capture file name is empty; give a path such as home.pcapng');
  const format = opts.format ?? (opts.file !== undefined && extname(opts.file).toLowerCase() === '.pcap' ? 'pcap' : 'pcapng');
  if (format !== 'pcap' && format !== 'pcapng') throw invalid(`capture format "${String(format)}" is not pcap or pcapng`);
  return format;
}

function checkSnaplen(snaplen: number | undefined): number {
  const n = snaplen ?? MAX_SNAPLEN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SNAPLEN) throw invalid(`snaplen ${n} is not 1-${MAX_SNAPLEN} bytes`);
  return n;
}

function pcapngHeader(ifaces: Interface[], snaplen: number): Uint8Array[] {
  const blocks = [sectionHeaderBlock(`vnet ${vnetVersion()}`)];
  for (const i of ifaces) {
    const netmask = i.subnet?.mask ?? 0xffffffff;
    blocks.push(interfaceDescriptionBlock({
      name: i.fullName, mac: i.mac, snaplen, ipv4: i.addresses.map((address) => ({ address, netmask })),
    }));
  }
  return blocks;
}

function cannotWrite(where: string, err: unknown): VnetError {
  const e = err as NodeJS.ErrnoException;
  return new VnetError('EINVAL', `cannot write ${where}: ${e?.code ?? ''}${e?.code ? ' ' : ''}(${e?.message ?? String(err)})`, { cause: err });
}
