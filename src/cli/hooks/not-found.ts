// oclif's command_not_found hook: one line naming the closest command, exit 2 (with --json, also the error
// document on stdout, as every command gives it).
import type { Hook } from '@oclif/core';
import { capMessage, quoteInput } from '../../wire/user-input.js';
import { closestCommand } from '../suggest.js';

const hook: Hook<'command_not_found'> = async function (opts) {
  const typed = opts.id.replace(/:/g, ' ');
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const best = typed.length <= 200 ? closestCommand(opts.id, ids) : undefined;
  const hint = best ? `did you mean \`vnet ${best.replace(/:/g, ' ')}\`? ` : '';
  const message = capMessage(`no command ${quoteInput(typed)}; ${hint}\`vnet --help\` lists them`);
  process.stderr.write(`vnet: ${message}\n`);
  if ((opts.argv ?? []).includes('--json')) process.stdout.write(`${JSON.stringify({ error: { code: 'EINVAL', message, exit: 2 } })}\n`);
  process.exit(2);
};

export default hook;
