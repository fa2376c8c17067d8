// Topology files in and out of a session: what `vnet apply -f`, `vnet export` and `vnet up -f` use.
import { open } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { VnetError } from '../engine/errors.js';
import type { Network } from '../engine/network.js';
import { applyTopology, type CaptureStarter } from './topology-apply.js';
import type { ApplySummary } from './topology-entries.js';
import { exportTopology, type ExportOptions } from './topology-export.js';
import type { Topology } from './topology-schema.js';
import { checkTopologyText, MAX_TOPOLOGY_BYTES } from './topology-limits.js';
import { parseTopology, topologyToYaml } from './topology-yaml.js';
import { parse as parseYaml } from 'yaml';

export { applyTopology, type ApplyOptions, type CaptureStarter } from './topology-apply.js';
export type { ApplySummary, EntryNames } from './topology-entries.js';
export { exportTopology, type ExportOptions } from './topology-export.js';
export { validateTopology, type Topology } from './topology-schema.js';
export { parseTopology, topologyToYaml } from './topology-yaml.js';

/**
 * A topology file's text, the name its errors start with, and the directory its relative capture files are
 * resolved against (absolute: the daemon's cwd differs). The CLI reads it; the session parses it.
 */
export interface TopologySource {
  text: string;
  fileName: string;
  baseDir: string;
}

/**
 * Reads a topology file (`-` reads stdin to its end). A missing or unreadable file, or one larger than
 * MAX_TOPOLOGY_BYTES (not read past that), is an error naming it.
 */
export async function readTopologyFile(path: string): Promise<TopologySource> {
  const tooLarge = (name: string, bytes: number): VnetError =>
    new VnetError('EINVAL', `${name}: the file is ${bytes} bytes or more, more than the ${MAX_TOPOLOGY_BYTES} a topology file may have; split it and apply the parts one after another`);
  if (path === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size > MAX_TOPOLOGY_BYTES) throw tooLarge('<stdin>', size);
    }
    return { text: Buffer.concat(chunks).toString('utf8'), fileName: '<stdin>', baseDir: process.cwd() };
  }
  try {
    const file = await open(path, 'r');
    try {
      // One byte more than allowed tells a file at the limit from one past it, whatever stat says (a FIFO).
      const buf = Buffer.alloc(MAX_TOPOLOGY_BYTES + 1);
      let size = 0;
      for (;;) {
        const { bytesRead } = await file.read(buf, size, buf.length - size, null);
        if (bytesRead === 0) break;
        size += bytesRead;
        if (size > MAX_TOPOLOGY_BYTES) throw tooLarge(path, size);
      }
      return { text: buf.subarray(0, size).toString('utf8'), fileName: path, baseDir: dirname(resolve(path)) };
    } finally {
      await file.close();
    }
  } catch (err) {
    if (err instanceof VnetError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new VnetError('ENOTFOUND', `no topology file ${path}; check the path (vnet export -o FILE writes one)`, { cause: err });
    if (code === 'EISDIR') throw new VnetError('EINVAL', `${path} is a directory; give a topology file`, { cause: err });
    throw new VnetError('EINVAL', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The clock and seed a topology file asks for (used by `vnet up -f` and `vnet exec -f` when no flag gives
 * them); anything malformed is left for the full check, which reports it with its line.
 */
export function topologySettings(text: string): { clock?: 'virtual' | 'real'; seed?: number } {
  try {
    checkTopologyText(text, '<topology>');
    const doc = parseYaml(text) as { clock?: unknown; seed?: unknown } | null;
    return {
      ...(doc?.clock === 'real' || doc?.clock === 'virtual' ? { clock: doc.clock } : {}),
      ...(Number.isInteger(doc?.seed) ? { seed: doc!.seed as number } : {}),
    };
  } catch {
    return {};
  }
}

interface SessionLike {
  readonly net: Network;
  readonly clockKind: 'virtual' | 'real';
  readonly seed: number;
  readonly captures?: {
    /** Starts topology captures, resolving relative files against `baseDir`. */
    starter(baseDir: string): CaptureStarter;
    list(): NonNullable<ExportOptions['captures']>;
  };
}

/**
 * The 'topology.apply' method: params { text, fileName?, dryRun?, baseDir? } → what was created, changed and
 * left alone. Relative capture files are resolved against baseDir (the CLI sends the file's directory).
 */
export function topologyApplyMethod(session: SessionLike, params: Record<string, unknown>): ApplySummary {
  if (typeof params.text !== 'string') throw new VnetError('EINVAL', 'topology.apply needs text, the topology file\'s content');
  const fileName = typeof params.fileName === 'string' && params.fileName !== '' ? params.fileName : '<topology>';
  const topo = parseTopology(params.text, fileName);
  const baseDir = typeof params.baseDir === 'string' && isAbsolute(params.baseDir) ? params.baseDir : process.cwd();
  return applyTopology(session.net, topo, {
    dryRun: Boolean(params.dryRun),
    fileName,
    session: { clock: session.clockKind, seed: session.seed },
    captures: session.captures?.starter(baseDir),
  });
}

/**
 * The 'topology.export' method: params { baseDir? } → the session as YAML text and as the topology object.
 * Capture files are written relative to baseDir (the directory of the file the CLI writes), as apply reads them.
 */
export function topologyExportMethod(session: SessionLike, params: Record<string, unknown> = {}): { yaml: string; topology: Topology } {
  const baseDir = typeof params.baseDir === 'string' && isAbsolute(params.baseDir) ? params.baseDir : undefined;
  const topology = exportTopology(session.net, { clock: session.clockKind, seed: session.seed, captures: session.captures?.list(), baseDir });
  return { yaml: topologyToYaml(topology), topology };
}
