// `vnet export --format netns|containerlab`: a topology document turned into a Linux lab's files,
// headed by what does not carry over. The document comes from a session (`topology.export`) or from
// a file built here first (so addresses are the ones `vnet up -f` gives).
import { basename } from 'node:path';
import { invalid } from '../engine/errors.js';
import { Network } from '../engine/network.js';
import { containerlabFiles, DEFAULT_CLAB_IMAGE } from './export-containerlab.js';
import { exportGaps, type Gap, type LabFormat, type SessionExtras } from './export-gaps.js';
import { netnsScript } from './export-netns.js';
import { planLab } from './export-plan.js';
import { applyTopology } from './topology-apply.js';
import { exportTopology } from './topology-export.js';
import type { Topology } from './topology-schema.js';
import { parseTopology } from './topology-yaml.js';

export type { Gap, LabFormat, SessionExtras } from './export-gaps.js';
export { DEFAULT_CLAB_IMAGE } from './export-containerlab.js';

/** A lab prefix: a letter or digit, then letters, digits, '_', '.' or '-', at most 12 (namespaces and host interfaces start with it). */
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,11}$/;
export const MAX_PREFIX = 12;

/** Checks a --prefix; exit 2 with the rule when it breaks it. */
export function checkPrefix(prefix: string): string {
  if (!PREFIX.test(prefix)) {
    throw invalid(`lab prefix ${JSON.stringify(prefix)} is not 1-${MAX_PREFIX} letters, digits, '_', '.' or '-' starting with a letter or digit; e.g. --prefix lab1`);
  }
  return prefix;
}

/** The prefix a lab gets when none is given: the topology file's name (lab.yaml → lab) or the session's, made valid. */
export function defaultPrefix(from: string): string {
  const base = basename(from).replace(/\.(clab\.)?(ya?ml|json)$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (base || 'vnet').slice(0, MAX_PREFIX).replace(/[^A-Za-z0-9]+$/, '') || 'vnet';
}

/**
 * A topology file as the document `vnet export` would write after `vnet up -f FILE`: built in a network
 * of its own (virtual clock, nothing real opened), so every address is explicit. Captures are kept as
 * the file gives them (they are listed as not carried over, not started).
 */
export function topologyOfFile(text: string, fileName: string): Topology {
  const topo = parseTopology(text, fileName);
  const net = new Network({ clock: 'virtual', seed: topo.seed ?? 1 });
  applyTopology(net, { ...topo, captures: [] }, { fileName });
  const built = exportTopology(net, { ...(topo.clock !== undefined ? { clock: topo.clock } : {}), ...(topo.seed !== undefined ? { seed: topo.seed } : {}) });
  built.captures = topo.captures;
  return built;
}

export interface LabExportOptions {
  format: LabFormat;
  prefix: string;
  /** Where the topology came from (the file, or `session NAME`), for the outputs' first lines. */
  source: string;
  extras?: SessionExtras;
  /** containerlab: the nodes' image. */
  image?: string;
  /** containerlab: the companion script's file name (beside the YAML). */
  scriptName?: string;
}

export interface LabExport {
  gaps: Gap[];
  /** The file -o names (or stdout). */
  main: string;
  /** containerlab's companion script (bridges and netem), written beside the main file. */
  companion?: string;
}

export function exportLab(topo: Topology, opts: LabExportOptions): LabExport {
  const plan = planLab(topo);
  const gaps = exportGaps({ topo, plan, format: opts.format, extras: opts.extras ?? {} });
  if (opts.format === 'netns') return { gaps, main: netnsScript(plan, gaps, { prefix: opts.prefix, source: opts.source }) };
  const files = containerlabFiles(plan, gaps, { prefix: opts.prefix, source: opts.source, image: opts.image ?? DEFAULT_CLAB_IMAGE, scriptName: opts.scriptName ?? `${opts.prefix}.netem.sh` });
  return { gaps, main: files.yaml, companion: files.script };
}

/** `lab.clab.yml` → `lab.netem.sh` (the companion beside it). */
export function companionPath(output: string): string {
  return `${output.replace(/(\.clab)?\.(ya?ml|json)$/i, '')}.netem.sh`;
}
