// `vnet export [-o FILE] [--format topology|netns|containerlab]`: the session (or a topology file) as a
// topology file that `vnet up -f` rebuilds, or as a Linux lab: a netns script or a containerlab file.
import { chmodSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { VnetCommand } from '../src/cli/base.js';
import { invalid, type Topology, writeFileReplacing } from '../src/session/api.js';
import { readTopologyFile, topologyToYaml } from '../src/session/topology.js';
import { checkPrefix, companionPath, DEFAULT_CLAB_IMAGE, defaultPrefix, exportLab, topologyOfFile, type Gap, type LabFormat } from '../src/session/export-lab.js';
import { sessionName } from '../src/session/runtime.js';

export default class Export extends VnetCommand {
  static override summary = 'Write the session as a topology file (YAML), or as a Linux lab: a netns script or a containerlab file.';
  static override description =
    'Addresses are written out, so `vnet up -f FILE` (or `vnet apply -f FILE` on an empty session) rebuilds the same ' +
    'network; defaults are left out, NAT is a preset name when it is one. Capture files are written relative to the ' +
    'output file\'s directory (to the current directory on stdout), as `apply -f` reads them. With -o the file is ' +
    'replaced atomically (a new temp file renamed over it, so a link planted there is replaced, not written through); ' +
    'a symbolic link there is refused unless --follow-symlink. Else the YAML goes to stdout. --json writes the topology ' +
    'as JSON instead (JSON is YAML too: apply reads it).\n\n' +
    '--format netns writes a POSIX sh script that builds the network in Linux network namespaces (one per router and ' +
    'host, named PREFIX-NODE; bridges for LANs, veth pairs, nftables masquerade for NATs, tc netem/tbf for filters): ' +
    '`sh lab.sh up` as root builds it (twice is the same lab), `sh lab.sh down` removes all of it. --format containerlab ' +
    'writes a containerlab file (kind linux nodes configured by exec lines, LANs as kind bridge) and beside it ' +
    'NAME.netem.sh, which makes the bridges before `containerlab deploy` and sets the impairments after. Both begin with ' +
    'a comment block listing, one a line, what does not carry over (NAT behaviours nftables lacks, the virtual clock and ' +
    'seeds, names, captures, multicast routes, NAT-PMP and STUN services, ...); every LAN of a router becomes a bridge. --strict refuses (exit 2) when that list is not empty. With -f the topology file is ' +
    'exported without a session (built in this process first, so addresses are those `vnet up -f` gives).';
  static override examples = [
    '<%= config.bin %> export',
    '<%= config.bin %> export -o topo.yaml',
    '<%= config.bin %> export --json > topo.json',
    '<%= config.bin %> export -o lab/current.yaml --follow-symlink',
    '<%= config.bin %> export --format netns -o lab.sh && sudo sh lab.sh up',
    '<%= config.bin %> export -f lab.yaml --format netns --prefix lab1 --strict -o lab1.sh',
    '<%= config.bin %> export --format containerlab -o lab.clab.yml   # also writes lab.netem.sh',
  ];
  static override flags = {
    output: Flags.string({ char: 'o', description: 'file to write (replaced atomically); stdout when left out' }),
    'follow-symlink': Flags.boolean({ description: 'when -o names a symbolic link, write the file it points to' }),
    format: Flags.string({ description: 'topology (a vnet topology file), netns (a sh script for Linux namespaces) or containerlab', options: ['topology', 'netns', 'containerlab'], default: 'topology' }),
    file: Flags.string({ char: 'f', description: 'export this topology file instead of the session (no session needed)' }),
    prefix: Flags.string({ description: 'netns/containerlab: the lab\'s name, prefixed to its namespaces and host interfaces (default: from the file or session name)' }),
    strict: Flags.boolean({ description: 'netns/containerlab: exit 2, naming each, if anything does not carry over' }),
    image: Flags.string({ description: `containerlab: the nodes' image; needs ip, nft and tc (default ${DEFAULT_CLAB_IMAGE})` }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Export);
    const toStdout = flags.output === undefined || flags.output === '-';
    const baseDir = toStdout ? process.cwd() : dirname(resolve(flags.output!));
    const format = flags.format as 'topology' | LabFormat;
    if (format === 'topology') {
      for (const f of ['prefix', 'strict', 'image'] as const) if (flags[f] !== undefined && flags[f] !== false) throw invalid(`--${f} is for --format netns or containerlab; drop it or give --format`);
    } else if (flags.image !== undefined && format !== 'containerlab') throw invalid('--image is for --format containerlab; drop it');
    if (flags.prefix !== undefined) checkPrefix(flags.prefix);

    let topology: Topology;
    let yaml: string | undefined;
    if (flags.file !== undefined) {
      const src = await readTopologyFile(flags.file);
      topology = topologyOfFile(src.text, src.fileName);
    } else {
      ({ yaml, topology } = (await this.call('topology.export', { baseDir })) as { yaml: string; topology: Topology });
    }
    if (format === 'topology') return this.writeTopology(flags, toStdout, topology, yaml);

    const source = flags.file !== undefined ? basename(flags.file) : `session ${sessionName(this.sessionName)}`;
    const prefix = flags.prefix ?? defaultPrefix(flags.file ?? sessionName(this.sessionName));
    const extras = flags.file !== undefined ? {} : await this.sessionExtras();
    const companion = !toStdout && format === 'containerlab' ? companionPath(flags.output!) : undefined;
    const lab = exportLab(topology, { format, prefix, source, extras, ...(flags.image !== undefined ? { image: flags.image } : {}), ...(companion ? { scriptName: basename(companion) } : {}) });
    if (flags.strict && lab.gaps.length > 0) {
      for (const g of lab.gaps) process.stderr.write(`vnet: does not carry over: ${g.where}: ${g.what}\n`);
      throw invalid(`${lab.gaps.length} thing${lab.gaps.length === 1 ? '' : 's'} in this topology do${lab.gaps.length === 1 ? 'es' : ''} not carry over to ${format} (listed above); change the topology or drop --strict`);
    }
    if (toStdout && this.jsonMode) {
      this.log(JSON.stringify({ format, prefix, gaps: lab.gaps, text: lab.main, ...(lab.companion !== undefined ? { companion: lab.companion } : {}) }, null, 2));
      return;
    }
    if (toStdout) {
      process.stdout.write(lab.main);
      if (format === 'containerlab') process.stderr.write('vnet: the companion script (bridges, netem) is written only with -o FILE\n');
      return;
    }
    const write = (path: string, text: string, what: string): void => {
      const target = writeFileReplacing(path, text, { followSymlink: flags['follow-symlink'], what });
      if (text.startsWith('#!') && statSync(target).isFile()) chmodSync(target, 0o755);
    };
    write(flags.output!, lab.main, format === 'netns' ? 'lab script' : 'containerlab file');
    if (companion) write(companion, lab.companion!, 'companion script');
    const result = { wrote: flags.output, ...(companion ? { companion } : {}), format, prefix, gaps: lab.gaps };
    this.print(result, () => [
      `wrote ${flags.output}${companion ? ` and ${companion}` : ''}: lab "${prefix}" for ${format}`,
      ...(lab.gaps.length === 0 ? ['everything carries over'] : [`does not carry over (${lab.gaps.length}, also in the file's header):`, ...lab.gaps.map((g: Gap) => `  ${g.where}: ${g.what}`)]),
    ]);
  }

  /** Bridged programs the session holds (not in the topology, listed as not carried over). */
  private async sessionExtras(): Promise<{ proxies: number; maps: number }> {
    const count = async (method: string): Promise<number> => ((await this.call(method).catch(() => [])) as unknown[]).length;
    return { proxies: await count('proxy.ls'), maps: await count('map.ls') };
  }

  private writeTopology(flags: { output?: string; 'follow-symlink': boolean }, toStdout: boolean, topology: Topology, yaml: string | undefined): void {
    const text = this.jsonMode ? `${JSON.stringify(topology, null, 2)}\n` : yaml ?? topologyToYaml(topology);
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
