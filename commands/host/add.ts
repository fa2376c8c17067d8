// `vnet host add`: a host on a router's LAN.
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../../src/cli/base.js';
import type { HostView } from '../../src/session/api.js';

export default class HostAdd extends VnetCommand {
  static override summary = 'Add a host on a router\'s subnet; its address is allocated unless given.';
  static override examples = [
    '<%= config.bin %> host add alice --router home',
    '<%= config.bin %> host add server --router internet --ip 198.51.100.7',
    'sudo <%= config.bin %> host add alice --router home --netns   # then: vnet exec --host alice -- ping 198.51.100.7',
    '<%= config.bin %> host add multi --router home --ip 192.168.1.20 --ip 192.168.1.21 --mac 02:00:00:00:00:14',
    '<%= config.bin %> host add printer --router office --lan lan2',
  ];
  static override args = { name: Args.string({ description: 'host name', required: true }) };
  static override flags = {
    router: Flags.string({ description: 'the router whose LAN the host joins', required: true }),
    lan: Flags.string({ description: 'which of the router\'s LANs (lan, lan2, ...; default: the one holding --ip, else lan)' }),
    ip: Flags.string({ description: 'address in the LAN\'s subnet (repeatable)', multiple: true }),
    mac: Flags.string({ description: 'MAC address of eth0 (default: derived from the name)' }),
    mtu: Flags.integer({ description: 'MTU of eth0 (default: the router\'s)' }),
    netns: Flags.boolean({ description: 'a transparent host: a Linux network namespace behind a TUN device, where any program runs (root, real clock)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(HostAdd);
    const h = (await this.call('host.add', { name: args.name, router: flags.router, lan: flags.lan, ips: flags.ip, mac: flags.mac, mtu: flags.mtu, netns: flags.netns || undefined })) as HostView;
    this.print(h, () => `host ${h.name} ${h.ips.join(',')} on ${h.router}${h.lan === 'lan' ? '' : `/${h.lan}`}${h.netns ? ` in network namespace ${h.netns}` : ''}`);
  }
}
