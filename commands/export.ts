// `vnet export [-o FILE]`: the session as a topology file that `vnet up -f` or `vnet apply -f` rebuilds.
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Flags } from '@oclif/core';
import { VnetCommand } from '../src/cli/base.js';
import { type Topology, VnetError } from '../src/session/api.js';

export default class Export extends VnetCommand {
  static override summary = 'Write the session as a topology file (YAML): routers, hosts, NAT, filters and names.';
  static override description =
    'Addresses are written out, so `vnet up -f FILE` (or `vnet apply -f FILE` on an empty session) rebuilds the same ' +
    'network; defaults are left out, NAT is a preset name when it is one. With -o the file is replaced atomically ' +
    '(a temp file renamed over it); else the YAML goes to stdout. --json writes the topology as JSON instead (JSON is ' +
    'YAML too: apply reads it).';
  static override examples = [
    '<%= config.bin %> export',
    '<%= config.bin %> export -o topo.yaml',
    '<%= config.bin %> export --json > topo.json',
  ];
  static override flags = {
    output: Flags.string({ char: 'o', description: 'file to write (replaced atomically); stdout when left out' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Export);
    const { yaml, topology } = (await this.call('topology.export')) as { yaml: string; topology: Topology };
    const text = this.jsonMode ? `${JSON.stringify(topology, null, 2)}\n` : yaml;
    if (flags.output === undefined || flags.output === '-') {
      process.stdout.write(text);
      return;
    }
    await writeAtomically(flags.output, text);
    if (this.jsonMode) {
      this.log(JSON.stringify({ wrote: flags.output, routers: topology.routers.length, hosts: topology.hosts.length, filters: topology.filters.length, dns: topology.dns.length }));
      return;
    }
    const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
    this.log(`wrote ${flags.output}: ${count(topology.routers.length, 'router')}, ${count(topology.hosts.length, 'host')}, ${count(topology.filters.length, 'filter')}, ${count(topology.dns.length, 'name')}`);
  }
}

/** Writes a temp file next to `path`, then renames it over `path`: readers see the old file or the new one, never half. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(temp, text, { mode: 0o644 });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new VnetError('ENOTFOUND', `cannot write ${path}: the directory ${dirname(path)} does not exist; create it first`, { cause: err });
    if (code === 'EACCES' || code === 'EPERM') throw new VnetError('EINVAL', `cannot write ${path}: permission denied in ${dirname(path)}; pick a directory you may write to`, { cause: err });
    if (code === 'EISDIR') throw new VnetError('EINVAL', `cannot write ${path}: it is a directory; give a file name`, { cause: err });
    throw new VnetError('EINVAL', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}
