// `vnet demo`: builds the built-in default topology, sends traffic, prints what happened.
import { Flags } from '@oclif/core';
import { VnetCommand } from '../src/cli/base.js';
import { runDemo } from '../src/demo/scenario.js';
import { out } from '../src/cli/style.js';

export default class Demo extends VnetCommand {
  static override summary = 'Run the built-in scenario: two homes behind different NATs and a public server.';
  static override description =
    'Builds a network on a virtual clock (internet, home-a behind a port-restricted NAT, home-b behind a symmetric NAT, ' +
    'a rendezvous server), registers both clients, tries a UDP hole punch, repeats it after making home-b full-cone, ' +
    'and prints the NAT tables and interface counters. The same seed gives the same output.';
  static override examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --seed 7', '<%= config.bin %> demo --json | jq .lines'];
  // No session is involved: of the global flags only --json applies, declared below with demo's own wording.
  static override baseFlags = {} as typeof VnetCommand.baseFlags;
  static override flags = {
    seed: Flags.integer({ description: 'seed for every random choice', default: 1 }),
    json: Flags.boolean({ description: 'print one JSON document instead of text' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Demo);
    const { lines, net } = runDemo(flags.seed);
    if (flags.json) {
      this.log(JSON.stringify({ lines, names: net.names() }, null, 2));
      return;
    }
    for (const l of lines) {
      if (l.kind === 'title') this.log(`\n${out.bold(`== ${l.text}`)}`);
      else if (l.kind === 'ok') this.log(`  ${out.green('ok')}   ${l.text}`);
      else if (l.kind === 'fail') this.log(`  ${out.red('no')}   ${l.text}`);
      else this.log(`  ${l.text}`);
    }
    net.close();
  }
}
