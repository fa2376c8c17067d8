// `vnet apply -f FILE`: add what a topology file holds to the running session, all or nothing.
import { Flags } from '@oclif/core';
import { VnetCommand } from '../src/cli/base.js';
import type { ApplySummary, EntryNames } from '../src/session/api.js';
import { readTopologyFile } from '../src/session/topology.js';

export default class Apply extends VnetCommand {
  static override summary = 'Add the routers, hosts, names and filters of a topology file to the session.';
  static override description = [
    'Entries missing from the session are created: routers (parents first), then hosts, dns names and filters. ' +
      'An entry whose name exists with the same settings is left alone, so applying a file twice changes nothing. ' +
      'Addresses and MACs left out of the file match whatever the node has; other keys left out mean their defaults.',
    'A router whose NAT, minDelay, maxJitter, queueSize or icmpRatelimit differ is changed in place. Any other difference (cidr, parent, ' +
      'a host\'s router, addresses, MAC, MTU, VLAN) is an error naming the line: remove the node first (`vnet router rm NAME`, ' +
      '`vnet host rm NAME`). A filter with the same interface and settings as an existing one is left alone, else it is ' +
      'added at the end of its interface\'s chain; a dns name with another address gets the new one. Nothing absent from ' +
      'the file is removed.',
    'All or nothing: an invalid file, or one that conflicts with the session, changes nothing (exit 2). clock and seed in ' +
      'the file are for `vnet up -f`: apply ignores them, with a note when they differ from the session\'s. captures start ' +
      'on their interfaces, their files relative to the topology file\'s directory; one already running with the same ' +
      'file and interfaces is left alone. The format is schema/topology.schema.json; `vnet export` writes it.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> apply -f topo.yaml',
    '<%= config.bin %> apply -f topo.yaml --dry-run',
    '<%= config.bin %> apply -f - < topo.json',
  ];
  static override flags = {
    file: Flags.string({ char: 'f', description: 'topology file (YAML or JSON); - reads stdin', required: true }),
    'dry-run': Flags.boolean({ description: 'check the file against the session and print what would change, changing nothing' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Apply);
    // baseDir: capture files in the topology are relative to its directory (the daemon's own cwd is /).
    const { text, fileName, baseDir } = await readTopologyFile(flags.file);
    const s = (await this.call('topology.apply', { text, fileName, dryRun: flags['dry-run'], baseDir })) as ApplySummary;
    this.print(s, () => summaryLines(s));
  }
}

const KINDS: (keyof EntryNames)[] = ['routers', 'hosts', 'dns', 'filters', 'captures', 'mroutes', 'memberships'];

function summaryLines(s: ApplySummary): string[] {
  const verb = s.dryRun ? { created: 'would create', changed: 'would change', unchanged: 'already there' } : { created: 'created', changed: 'changed', unchanged: 'unchanged' };
  const lines: string[] = [];
  for (const state of ['created', 'changed', 'unchanged'] as const) {
    for (const kind of KINDS) {
      const names = s[state][kind] ?? [];
      if (names.length > 0) lines.push(`${verb[state]} ${kind}: ${names.join(', ')}`);
    }
  }
  lines.push(...s.changes.map((c) => `  ${c}`), ...s.notes.map((n) => `note: ${n}`));
  const total = KINDS.reduce((n, k) => n + (s.created[k]?.length ?? 0) + (s.changed[k]?.length ?? 0), 0);
  if (total === 0) lines.push(s.dryRun ? 'nothing would change' : 'nothing changed');
  else if (s.dryRun) lines.push('dry run: nothing was changed');
  return lines;
}
