// `vnet host show`: one host with its interface counters and open sockets.
import { Args } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { HostView } from '../../src/session/api.js';
import { interfaceTable } from '../../src/cli/format.js';

export default class HostShow extends VnetCommand {
  static override summary = 'Show a host: addresses, interface counters, bound sockets.';
  static override examples = ['<%= config.bin %> host show alice'];
  static override args = { name: Args.string({ description: 'host name', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(HostShow);
    const h = (await this.call('host.show', { name: args.name })) as HostView;
    this.print(h, () => [
      `host ${h.name} ${h.ips.join(', ')} on ${h.router}`,
      ...interfaceTable(h.interfaces, '  '),
      `  sockets  ${h.sockets.map((s) => `udp ${s.address}:${s.port}`).join(', ') || '-'}`,
      ...(h.netns === undefined ? [] : [`  netns    ${h.netns ?? '(none)'}${tunText(h)}`]),
      ...(h.groups ? [`  groups   ${h.groups.join(', ')}`] : []),
    ]);
  }
}

/** A netns host's TUN counters, as `host show --json` gives them under `tun`. */
function tunText(h: HostView & { tun?: { read: number; written: number; writeErrors: number; ignored: number } }): string {
  const t = h.tun;
  return t === undefined ? '' : `  tun: ${t.read} read, ${t.written} written, ${t.writeErrors} write errors, ${t.ignored} ignored (not IPv4)`;
}
