// `vnet shell`: an interactive shell inside a netns host's network namespace.
import { Args } from '@oclif/core';
import { VnetCommand } from '../src/cli/base.js';
import { runProgram } from '../src/cli/run-program.js';
import { type HostView, invalid } from '../src/session/api.js';
import { cannotEnterNamespaces, inNamespace } from '../src/session/netns-runtime.js';
import { sessionName } from '../src/session/runtime.js';

export default class Shell extends VnetCommand {
  static override summary = 'Open $SHELL inside a netns host\'s network namespace: every program started there is that host.';
  static override description =
    'The host must have been added with --netns. The shell (or /bin/sh when $SHELL is unset) runs through `ip netns exec`, so it ' +
    'needs root; it gets VNET_HOST, VNET_SESSION and VNET_NETNS in its environment, and /etc/resolv.conf names the router\'s gateway, ' +
    'which answers for `vnet dns` names. Exit status: the shell\'s.';
  static override examples = [
    'sudo <%= config.bin %> shell alice',
    'sudo <%= config.bin %> shell alice --session lab2',
  ];
  static override args = { host: Args.string({ description: 'a netns host', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Shell);
    const host = (await this.call('host.show', { name: args.host })) as HostView;
    if (host.netns === undefined) throw invalid(`host ${args.host} is not a netns host, so there is no namespace to open a shell in; add one with \`vnet host add NAME --router ROUTER --netns\`, or use \`vnet exec --host ${args.host} --map ...\``);
    if (host.netns === null) throw invalid(`host ${args.host} is a netns host without a namespace; remove it and add it again`);
    const why = cannotEnterNamespaces();
    if (why !== null) throw invalid(why.replace('start the session as root (sudo vnet up)', 'run vnet shell as root'));
    const shell = process.env.SHELL || '/bin/sh';
    const code = await runProgram(inNamespace(host.netns, [shell]), { VNET_HOST: args.host, VNET_SESSION: sessionName(flags.session), VNET_NETNS: host.netns }, undefined);
    if (code !== 0) this.exit(code);
  }
}
