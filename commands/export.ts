// `vnet export [-o FILE]`: the session as a topology file that `vnet up -f` or `vnet apply -f` rebuilds.
import { dirname, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { VnetCommand } from '../src/cli/base.js';
import { type Topology, writeFileReplacing } from '../src/session/api.js';

export default class Export extends VnetCommand {
  static override summary = 'Write the session as a topology file (YAML): routers, hosts, NAT, filters and names.';
  static override description =
    'Addresses are written out, so `vnet up -f FILE` (or `vnet apply -f FILE` on an empty session) rebuilds the same ' +
    'network; defaults are left out, NAT is a preset name when it is one. Capture files are written relative to the ' +
    'output file\'s directory (to the current directory on stdout), as `apply -f` reads them. With -o the file is ' +
    'replaced atomically (a new temp file renamed over it, so a link planted there is replaced, not written through); ' +
    'a symbolic link there is refused unless --follow-symlink. Else the YAML goes to stdout. --json writes the topology ' +
    'as JSON instead (JSON is YAML too: apply reads it).';
  static override examples = [
    '<%= config.bin %> export',
    '<%= config.bin %> export -o topo.yaml',
    '<%= config.bin %> export --json > topo.json',
    '<%= config.bin %> export -o lab/current.yaml --follow-symlink',
  ];
  static override flags = {
    output: Flags.string({ char: 'o', description: 'file to write (replaced atomically); stdout when left out' }),
    'follow-symlink': Flags.boolean({ description: 'when -o names a symbolic link, write the file it points to' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Export);
    const toStdout = flags.output === undefined || flags.output === '-';
    const baseDir = toStdout ? process.cwd() : dirname(resolve(flags.output!));
    const { yaml, topology } = (await this.call('topology.export', { baseDir })) as { yaml: string; topology: Topology };
    const text = this.jsonMode ? `${JSON.stringify(topology, null, 2)}\n` : yaml;
    if (toStdout) {
      process.stdout.write(text);
      return;
    }
    writeFileReplacing(flags.output!, text, { followSymlink: flags['follow-symlink'], what: 'topology file' });
    if (this.jsonMode) {
      this.log(JSON.stringify({ wrote: flags.output, routers: topology.routers.length, hosts: topology.hosts.length, filters: topology.filters.length, dns: topology.dns.length }));
      return;
    }
    const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
    this.log(`wrote ${flags.output}: ${count(topology.routers.length, 'router')}, ${count(topology.hosts.length, 'host')}, ${count(topology.filters.length, 'filter')}, ${count(topology.dns.length, 'name')}`);
  }
}

