// `apply` all or nothing: the file is first applied to a scratch copy of the live network (its
// captures checked there: interfaces, format, file, who else writes it); only when that succeeds is
// it applied to the live one, and undone there if it still fails. A dry run is that same rehearsal.
// Capture files are made under temp names and renamed into place only once every one is made, so
// a failed apply leaves every file it names as it was.
import { CaptureManager, type CaptureStartOptions } from '../capture/manager.js';
import { Network } from '../engine/network.js';
import { applyEntries, type ApplySummary } from './topology-entries.js';
import { exportTopology } from './topology-export.js';
import { fileOf, placeOf, topologyError, type CaptureDoc, type Topology } from './topology-schema.js';

/** How a session starts the captures a topology names (a bare Network cannot). */
export interface CaptureStarter {
  /** The capture as start options: its file resolved against the topology file's directory. */
  options(doc: CaptureDoc): CaptureStartOptions;
  /**
   * True when an identical capture (same file and interfaces) already runs (apply leaves it alone); else
   * checks the file without opening it and throws a VnetError when it cannot be written or another capture writes it.
   */
  running(doc: CaptureDoc): boolean;
  /**
   * Makes the capture's file under a temp name with its header (the file named is not touched yet):
   * commit() puts it in place, starts the capture and returns how to stop it; abandon() removes it.
   */
  prepare(doc: CaptureDoc): { commit(): () => void; abandon(): void };
}

export interface ApplyOptions {
  /** Check only: the live network is not touched; the summary says what would change. */
  dryRun?: boolean;
  /** The name errors start with (default: the file the topology was read from). */
  fileName?: string;
  /** The session's clock and seed, to say when the file's differ (apply ignores them). */
  session?: { clock: 'virtual' | 'real'; seed: number };
  /** Starts the `captures:` of the file; without it a file with captures is refused. */
  captures?: CaptureStarter;
}

/**
 * Adds what the topology holds to `net`: missing entries are created (routers parents first, then
 * hosts, dns, filters), entries that exist with the same settings are left alone, a router's NAT,
 * delay and queue size are changed in place, and any other difference is an error naming the
 * file, line and path. Nothing absent from the file is removed. An error changes nothing.
 */
export function applyTopology(net: Network, topo: Topology, opts: ApplyOptions = {}): ApplySummary {
  const fileName = opts.fileName ?? fileOf(topo) ?? '<topology>';
  if (topo.captures.length > 0 && !opts.captures) {
    throw topologyError(fileName, placeOf(topo.captures[0], 'captures[0]'), 'captures need a session to write them; use `vnet up -f` or `vnet apply -f`, or start a CaptureManager yourself');
  }
  const rehearsal = rehearse(net, topo, fileName, Boolean(opts.dryRun), opts.captures);
  const summary = opts.dryRun ? rehearsal : applyLive(net, topo, fileName, opts.captures);
  summary.notes.push(...notesFor(topo, opts.session));
  return summary;
}

/** Applies the topology to a copy of `net` (rebuilt from its export); throws what applying it for real would throw. */
function rehearse(net: Network, topo: Topology, fileName: string, dryRun: boolean, captures: CaptureStarter | undefined): ApplySummary {
  const scratch = new Network({ clock: 'virtual', seed: 1 });
  try {
    try {
      applyEntries(scratch, exportTopology(net), '<live network>', null, false);
    } catch (err) {
      throw new Error(`vnet could not copy the live network to check ${fileName} against it (${(err as Error).message}); this is a bug, please report it`, { cause: err });
    }
    const summary = applyEntries(scratch, topo, fileName, null, dryRun);
    const scratchCaptures = new CaptureManager(scratch);
    const files = new Map<string, number>();
    topo.captures.forEach((c, i) => {
      const place = placeOf(c, `captures[${i}]`);
      checkCapture(scratch, c, fileName, i);
      let running: boolean;
      try {
        // Everything start() checks, against the network as the file leaves it; then the live captures.
        const options = captures!.options(c);
        scratchCaptures.check(options);
        const path = scratchCaptures.checkFile(options);
        const earlier = files.get(path);
        if (earlier !== undefined) throw new Error(`captures[${earlier}] writes ${path} too; give each capture its own file`);
        files.set(path, i);
        running = captures!.running(c);
      } catch (err) {
        throw topologyError(fileName, place, (err as Error).message, err);
      }
      (running ? summary.unchanged : summary.created).captures.push(c.file);
    });
    return summary;
  } finally {
    scratch.close();
  }
}

function applyLive(net: Network, topo: Topology, fileName: string, captures: CaptureStarter | undefined): ApplySummary {
  const undo: (() => void)[] = [];
  const prepared: { commit(): () => void; abandon(): void }[] = [];
  try {
    const summary = applyEntries(net, topo, fileName, undo, false);
    // Every file made first (under temp names), then every one put in place.
    const starting: CaptureDoc[] = [];
    topo.captures.forEach((c, i) => {
      try {
        if (captures!.running(c)) {
          summary.unchanged.captures.push(c.file);
          return;
        }
        prepared.push(captures!.prepare(c));
        starting.push(c);
      } catch (err) {
        throw topologyError(fileName, placeOf(c, `captures[${i}]`), (err as Error).message, err);
      }
    });
    while (prepared.length > 0) {
      const c = starting[starting.length - prepared.length];
      try {
        undo.push(prepared[0].commit());
      } catch (err) {
        throw topologyError(fileName, placeOf(c, `captures[${topo.captures.indexOf(c)}]`), (err as Error).message, err);
      }
      prepared.shift();
      summary.created.captures.push(c.file);
    }
    return summary;
  } catch (err) {
    for (const p of prepared) p.abandon();
    for (const step of undo.reverse()) {
      try {
        step();
      } catch {
        // Keep undoing the rest; the first error is the one to report.
      }
    }
    throw err;
  }
}

/** What can be checked of a capture before anything runs: its interfaces exist, pcap holds one and no drops. */
function checkCapture(net: Network, c: CaptureDoc, fileName: string, i: number): void {
  const place = placeOf(c, `captures[${i}]`);
  for (const name of c.on) {
    try {
      net.iface(name);
    } catch (err) {
      throw topologyError(fileName, place, (err as Error).message, err);
    }
  }
  const pcap = c.format === 'pcap' || (c.format === undefined && c.file.endsWith('.pcap'));
  if (pcap && c.on.length > 1) throw topologyError(fileName, place, `a pcap file holds one interface and ${c.on.length} are named; use format: pcapng (or a .pcapng file)`);
  if (pcap && c.withDrops) throw topologyError(fileName, place, 'withDrops needs pcapng (drops are written with a comment); use format: pcapng');
}

/** The file's clock and seed matter only to `vnet up -f`; say so when they differ from the session's. */
function notesFor(topo: Topology, session: ApplyOptions['session']): string[] {
  if (!session) return [];
  const notes: string[] = [];
  if (topo.clock !== undefined && topo.clock !== session.clock) {
    notes.push(`the file asks for the ${topo.clock} clock but this session runs the ${session.clock} clock; apply ignores clock (it is for \`vnet up -f\`)`);
  }
  if (topo.seed !== undefined && topo.seed !== session.seed) {
    notes.push(`the file asks for seed ${topo.seed} but this session runs seed ${session.seed}; apply ignores seed (it is for \`vnet up -f\`)`);
  }
  return notes;
}
