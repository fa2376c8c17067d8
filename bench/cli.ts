// CLI figures: wall time of one command against a running session, and of `vnet --help`,
// each a fresh `node bin/run.js` process as a shell script would run it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Report = (f: { name: string; value: number; unit: string; target?: string }) => void;

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const RUNS = 15;

function timeRuns(args: string[], env: NodeJS.ProcessEnv): { median: number; p90: number } {
  const ms: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [BIN, ...args], { env, stdio: 'ignore' });
    const t = performance.now() - t0;
    if (r.status !== 0) throw new Error(`vnet ${args.join(' ')} exited ${r.status}`);
    if (i > 0) ms.push(t); // the first run fills the file cache
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], p90: ms[Math.floor(ms.length * 0.9)] };
}

export function cliLatency(report: Report): void {
  const dir = mkdtempSync(join(tmpdir(), 'vnet-bench-'));
  const env = { ...process.env, VNET_RUNTIME_DIR: dir, NO_COLOR: '1' };
  try {
    execFileSync(process.execPath, [BIN, 'up', '--clock', 'virtual'], { env, stdio: 'ignore' });
    execFileSync(process.execPath, [BIN, 'router', 'add', 'internet', '--cidr', '0.0.0.0/0'], { env, stdio: 'ignore' });
    const cmd = timeRuns(['router', 'ls'], env);
    report({ name: 'cli.command_ms', value: cmd.median, unit: `ms median wall time of \`vnet router ls\` on a running session (p90 ${cmd.p90.toFixed(0)} ms)`, target: '< 150' });
    const help = timeRuns(['--help'], env);
    report({ name: 'cli.help_ms', value: help.median, unit: `ms median wall time of \`vnet --help\` (p90 ${help.p90.toFixed(0)} ms)`, target: '< 300' });
    const bare = timeRuns(['--version'], env);
    report({ name: 'cli.version_ms', value: bare.median, unit: 'ms median of `vnet --version` (the floor: node + oclif start-up)' });
  } finally {
    spawnSync(process.execPath, [BIN, 'down', '--yes'], { env, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}
