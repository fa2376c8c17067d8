// oclif's command_not_found hook: one line naming the closest command, exit 2.
import type { Hook } from '@oclif/core';
import { closestCommand } from '../suggest.js';

const hook: Hook<'command_not_found'> = async function (opts) {
  const typed = opts.id.replace(/:/g, ' ');
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const best = closestCommand(opts.id, ids);
  const hint = best ? `did you mean \`vnet ${best.replace(/:/g, ' ')}\`? ` : '';
  process.stderr.write(`vnet: no command "${typed}"; ${hint}\`vnet --help\` lists them\n`);
  process.exit(2);
};

export default hook;
