// `vnet init`: ask for a topology at the terminal (or take the defaults) and write it as YAML.
import { existsSync, lstatSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { VnetCommand } from '../src/cli/base.js';
import { canAsk, confirmOrStop } from '../src/cli/confirm.js';
import { askAnswers } from '../src/cli/init-questions.js';
import { defaultAnswers, initTopology, initYaml } from '../src/cli/init-topology.js';
import { VnetError, writeFileReplacing } from '../src/session/api.js';
import { validateTopology } from '../src/session/topology-schema.js';

export default class Init extends VnetCommand {
  static override summary = 'Write a topology file by answering a few questions (sites, NAT types, hosts, a public server).';
  static override description =
    'At a terminal it asks; --defaults (needed in scripts) writes two homes behind a port-restricted and a symmetric NAT and a ' +
    'public server. An existing file is only replaced after a yes, or with --force; it is replaced atomically (a new temp file ' +
    'renamed over it), and a symbolic link there is refused unless --follow-symlink. Start the result with `vnet up -f FILE`.';
  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init lab.yaml --defaults && <%= config.bin %> up -f lab.yaml',
    '<%= config.bin %> init - --defaults > topo.yaml',
  ];
  static override args = { file: Args.string({ description: 'file to write; - prints it on stdout', default: 'topology.yaml' }) };
  static override flags = {
    defaults: Flags.boolean({ description: 'ask nothing; write the default topology' }),
    force: Flags.boolean({ description: 'replace an existing file without asking' }),
    'follow-symlink': Flags.boolean({ description: 'when FILE is a symbolic link, write the file it points to' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Init);
    if (!flags.defaults && !canAsk()) {
      throw new VnetError('EINVAL', 'vnet init asks its questions at a terminal and none is attached; give --defaults to write the default topology');
    }
    const toStdout = args.file === '-';
    if (!toStdout && !flags['follow-symlink'] && isSymlink(args.file)) {
      throw new VnetError('EINVAL', `${args.file} is a symbolic link; give --follow-symlink to write the file it points to, or remove the link`);
    }
    if (!toStdout && existsSync(args.file) && !flags.force) {
      if (!canAsk()) throw new VnetError('EEXIST', `${args.file} exists; give --force to replace it, or another file name`);
      await confirmOrStop(`${args.file} exists. Replace it?`, false);
    }
    const answers = flags.defaults ? defaultAnswers() : await askAnswers().catch((err: Error) => {
      // Ctrl-C or Ctrl-D at a question.
      if (err.name === 'ExitPromptError' || err.name === 'AbortPromptError') throw Object.assign(new VnetError('ECANCELED', 'cancelled; nothing written'), { exit: 130 });
      throw err;
    });
    const text = initYaml(answers);
    validateTopology(initTopology(answers), undefined, args.file); // what we write must load
    if (toStdout) {
      process.stdout.write(text);
      return;
    }
    writeFileReplacing(args.file, text, { followSymlink: flags['follow-symlink'], what: 'topology file' });
    const hosts = answers.sites.reduce((n, s) => n + s.hosts.length, 0) + (answers.server ? 1 : 0);
    this.print({ file: args.file, topology: initTopology(answers) }, () => [
      `wrote ${args.file}: ${answers.sites.length} site(s) behind NAT, ${hosts} host(s)${answers.server ? `, ${answers.server.dnsName} at ${answers.server.ip}` : ''}`,
      `start it with: vnet up -f ${args.file}`,
    ]);
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
