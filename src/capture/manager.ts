// The captures of one network: start (validated, file opened, header written — or nothing),
// list, stop, flush. A capture that fails ends alone (a `capture-failed` network event says why);
// the network goes on.
import { openSync } from 'node:fs';
import { extname } from 'node:path';
import { invalid, notFound, VnetError } from '../engine/errors.js';
import type { Interface } from '../engine/iface.js';
import type { Network } from '../engine/network.js';
import { Capture, type CaptureInfo } from './capture.js';
import {
  interfaceDescriptionBlock, MAX_SNAPLEN, pcapFileHeader, sectionHeaderBlock, type CaptureFormat, type TimestampResolution,
} from './formats.js';
import { CaptureOutput, type OutputTarget } from './output.js';
import { vnetVersion } from './version.js';

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
}

export class CaptureManager {
  readonly net: Network;
  private readonly captures = new Map<number, Capture>();
  private nextId = 1;

  constructor(net: Network) {
    this.net = net;
  }

  /** Starts a capture, or throws a VnetError and starts nothing. */
  start(opts: CaptureStartOptions): CaptureInfo {
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

    const header = format === 'pcap' ? [pcapFileHeader(snaplen, resolution)] : pcapngHeader(ifaces, snaplen);
    const target = openTarget(opts);
    const id = this.nextId;
    const started: { capture?: Capture } = {};
    const out = new CaptureOutput(target, (err) => started.capture?.fail(err));
    try {
      for (const h of header) out.append(h);
      // On disk at once (a file) or handed over as the stream's first chunk (a sink).
      if (target.kind === 'file') out.flush();
      else out.commit();
    } catch (err) {
      out.abandon();
      const e = err as NodeJS.ErrnoException;
      const where = target.kind === 'file' ? `capture file "${target.path}"` : 'the capture stream';
      throw new VnetError('EINVAL', `cannot write ${where}: ${e?.code ?? ''}${e?.code ? ' ' : ''}(${e?.message ?? String(err)})`, { cause: err });
    }
    this.nextId++;
    const capture = new Capture({
      id, ifaces, file: opts.file ?? null, format, snaplen, withDrops, resolution,
      originUnixSeconds: this.net.clock.originUnixSeconds, startedAtNs: this.net.now(),
    }, out, (c) => this.failed(c));
    started.capture = capture;
    capture.attach();
    this.captures.set(id, capture);
    return capture.info();
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
    this.net.emit({ type: 'capture-failed', time: this.net.now(), id: info.id, error: info.error ?? '' });
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

function openTarget(opts: CaptureStartOptions): OutputTarget {
  if (opts.sink !== undefined) return { kind: 'sink', sink: opts.sink };
  const path = opts.file!;
  try {
    return { kind: 'file', fd: openSync(path, 'w', 0o644), path };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'its directory does not exist' : e.code === 'EACCES' || e.code === 'EROFS' ? 'it may not be written' : e.code === 'EISDIR' ? 'it is a directory' : 'it cannot be opened';
    throw new VnetError('EINVAL', `cannot write capture file "${path}": ${e.code ?? 'error'} (${why}); pick a path in a directory you may write to`, { cause: err });
  }
}
