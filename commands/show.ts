// `vnet show`: the topology as a tree, or as a graph to render (Graphviz dot, Mermaid).
import { Flags } from '@oclif/core';
import { VnetCommand } from '../src/cli/base.js';
import { topologyDot, topologyMermaid, topologyText, topologyTree } from '../src/cli/topology-graph.js';
import type { FilterInfo, HostView, RouterView } from '../src/session/api.js';

export default class Show extends VnetCommand {
  static override summary = 'Draw the topology: routers nested under their parents with subnet and NAT, hosts with addresses, filters where they sit.';
  static override description = 'The default is a text tree. --format dot writes Graphviz (render with `dot -Tsvg`), --format mermaid a Mermaid flowchart (GitHub and many editors render it). --json prints the same tree as JSON.';
  static override examples = [
    '<%= config.bin %> show',
    '<%= config.bin %> show --format dot | dot -Tsvg > topology.svg',
    '<%= config.bin %> show --format mermaid > topology.mmd',
  ];
  static override flags = {
    format: Flags.string({ description: 'text (a tree), dot (Graphviz) or mermaid', options: ['text', 'dot', 'mermaid'], default: 'text' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Show);
    const s = (await this.call('status')) as { routers: RouterView[]; hosts: HostView[]; filters: FilterInfo[] };
    const trees = topologyTree(s.routers, s.hosts, s.filters);
    const draw = flags.format === 'dot' ? topologyDot : flags.format === 'mermaid' ? topologyMermaid : topologyText;
    this.print(trees, () => draw(trees));
  }
}
