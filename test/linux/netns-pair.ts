// Two Linux network namespaces joined by a veth pair (10.9.0.1 "a" <-> 10.9.0.2 "b"), for tests that
// measure what Linux does beside what vnet does. Needs root and `ip`; throws loudly when either is missing.
// The test that makes a pair removes it in an after hook (remove() is safe to call twice).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { processAlive } from '../../src/session/runtime.js';

export interface NetnsPair {
  a: string;
  b: string;
  /** Runs a command inside namespace `ns` and returns its stdout; throws with its stderr on failure. */
  run(ns: string, argv: string[]): string;
  /** Starts `node -e script` inside namespace `ns`; the caller awaits output() and the pair kills it on remove(). */
  node(ns: string, script: string, args?: string[]): { child: ChildProcess; output(timeoutMs: number): Promise<string> };
  remove(): void;
}

export const A_IP = '10.9.0.1';
export const B_IP = '10.9.0.2';

function sh(argv: string[]): string {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${argv.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

/**
 * Removes pairs of this tag left by a test process that is gone (killed by the runner's timeout before
 * its after hook could run), so a crash costs at most one leftover pair until the next run.
 */
function removeOrphans(tag: string): void {
  const mine = new RegExp(`^vnet-t-(\\d+)-${tag}-[ab]$`);
  for (const line of sh(['ip', 'netns', 'list']).split('\n')) {
    const name = line.split(' ')[0];
    const m = mine.exec(name);
    if (m === null || processAlive(Number(m[1]))) continue;
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // removed meanwhile
    }
  }
}

/** Makes the pair: namespaces vnet-t-<pid>-<tag>-a/-b, veth va/vb, addresses, links up. */
export function makeNetnsPair(tag: string): NetnsPair {
  if (process.getuid?.() !== 0) throw new Error('this test builds network namespaces and needs root (uid 0)');
  removeOrphans(tag);
  const a = `vnet-t-${process.pid}-${tag}-a`;
  const b = `vnet-t-${process.pid}-${tag}-b`;
  const children: ChildProcess[] = [];
  const pair: NetnsPair = {
    a, b,
    run: (ns, argv) => sh(['ip', 'netns', 'exec', ns, ...argv]),
    node(ns, script, args = []) {
      const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      let errText = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (errText += d.toString()));
      const done = new Promise<string>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`node in ${ns} exited ${code}: ${errText.trim()}`))));
      });
      return {
        child,
        output(timeoutMs) {
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<string>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`node in ${ns} still running after ${timeoutMs} ms`)), timeoutMs);
          });
          return Promise.race([done, timeout]).finally(() => clearTimeout(timer));
        },
      };
    },
    remove() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      for (const ns of [a, b]) {
        try {
          execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
        } catch {
          // already gone
        }
      }
    },
  };
  try {
    sh(['ip', 'netns', 'add', a]);
    sh(['ip', 'netns', 'add', b]);
    sh(['ip', 'link', 'add', 'va', 'netns', a, 'type', 'veth', 'peer', 'name', 'vb', 'netns', b]);
    sh(['ip', '-n', a, 'addr', 'add', `${A_IP}/24`, 'dev', 'va']);
    sh(['ip', '-n', b, 'addr', 'add', `${B_IP}/24`, 'dev', 'vb']);
    for (const [ns, dev] of [[a, 'va'], [b, 'vb'], [a, 'lo'], [b, 'lo']]) sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
  } catch (err) {
    pair.remove();
    throw err;
  }
  return pair;
}
