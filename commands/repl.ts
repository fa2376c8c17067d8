// `vnet repl`: the same commands without the `vnet` prefix, on a running session or one held in this process.
import { Flags } from '@oclif/core';
import { VnetCommand } from '../src/cli/base.js';
import { sessionName } from '../src/session/runtime.js';
import { runRepl } from '../src/repl/repl.js';

export default class Repl extends VnetCommand {
  static override summary = 'Type vnet commands without the `vnet` prefix; attaches to a running session or holds its own.';
  static override description = [
    'If the session\'s daemon is running the REPL attaches to it; otherwise it holds a new session in this process (--clock, --seed), which ends with the REPL.',
    'On a terminal: tab completion of commands, flags and node/interface names; history in $VNET_HISTORY_FILE (else $XDG_STATE_HOME/vnet/history, else ~/.local/state/vnet/history); Ctrl-C cancels the running command; NAT mapping and drop events print above the prompt; Ctrl-D or `exit` leaves.',
    'Built in: `help [COMMAND]`, `source FILE` (errors name FILE:LINE), `exit`, `quit`; `#` starts a comment.',
    'With a script on stdin: no prompt, no colours, no history, no live events (unless --events); lines run in order; exit status 0 if every line succeeded, else 1.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> repl --clock virtual',
    '<%= config.bin %> repl --session lab',
    '<%= config.bin %> repl --clock virtual --echo < topology.vnet   # a script, printed as it runs',
  ];
  static override flags = {
    clock: Flags.string({ description: 'clock of a session held in this process', options: ['real', 'virtual'], default: 'real' }),
    seed: Flags.integer({ description: 'seed of a session held in this process', default: 1 }),
    events: Flags.boolean({ description: 'print NAT mapping and drop events as they happen (default: on a terminal)', allowNo: true }),
    bail: Flags.boolean({ description: 'on a script, stop at the first failing line' }),
    echo: Flags.boolean({ description: 'on a script, print each line before running it' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Repl);
    const status = await runRepl({
      config: this.config,
      session: sessionName(flags.session),
      clock: flags.clock as 'real' | 'virtual',
      seed: flags.seed,
      events: flags.events,
      bail: flags.bail,
      echo: flags.echo,
    });
    if (status !== 0) this.exit(status);
  }
}
