// Finding what a test file left running. scripts/run-tests.js gives each file's runner an
// environment variable RUN_TAG=<tag>; every process started below it inherits it, including daemons
// that left the file's process group (setsid), so reading /proc/PID/environ finds them all. A runner
// started by a test adds its tags after the ones it inherited (a:b), so the outer run finds its
// processes too.
import { readdirSync, readFileSync } from 'node:fs';

/** Not VNET_*: the e2e sandboxes drop VNET_* variables from the environment they give the CLI. */
export const RUN_TAG = 'TEST_RUN_TAG_VNET';

/** Processes (other than this one) whose environment holds RUN_TAG=tag: { pid, ppid, cmd } each. */
export function tagged(tag) {
  const prefix = `${RUN_TAG}=`;
  const holds = (env) => env.split('\0').some((v) => v.startsWith(prefix) && v.slice(prefix.length).split(':').includes(tag));
  const found = [];
  let pids;
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return found; // no /proc: nothing can be found this way
  }
  for (const pid of pids) {
    try {
      if (!holds(readFileSync(`/proc/${pid}/environ`, 'latin1'))) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      if (cmd === '') continue; // a zombie: already dead, waiting for its parent
      const ppid = Number(/^\d+ \(.*\) \S+ (\d+)/s.exec(readFileSync(`/proc/${pid}/stat`, 'latin1'))?.[1]);
      found.push({ pid: Number(pid), ppid, cmd });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** SIGKILLs every process tagged `tag` but those `spare` picks; returns them as "PID COMMAND" (commands cut to 100 characters). */
export function killTagged(tag, spare = () => false) {
  const found = tagged(tag).filter((p) => !spare(p));
  for (const { pid } of found) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return found.map(({ pid, cmd }) => `${pid} ${cmd.length > 100 ? `${cmd.slice(0, 97)}...` : cmd}`);
}
