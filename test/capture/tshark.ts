// tshark as the independent reader of what the capture tests write: fields per frame, and a check
// that it finds no bad checksums, expert warnings or errors, and no malformed packets.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export const CHECKSUMS = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'];

/** Fails loudly when tshark is missing: these tests never skip. */
export function requireTshark(): void {
  const r = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('tshark is not installed; the capture tests read their files with it: apt-get install -y tshark');
}

/** tshark's values of `names` for each frame of `file` (optionally filtered), one array per frame. */
export function tsharkFields(file: string, names: string[], filter?: string): string[][] {
  const args = ['-r', file, ...CHECKSUMS, '-T', 'fields', '-E', 'separator=|', ...names.flatMap((n) => ['-e', n])];
  if (filter !== undefined) args.push('-Y', filter);
  const r = spawnSync('tshark', args, { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `tshark -r ${file} exited ${r.status}: ${r.stderr}`);
  const out = r.stdout.trim();
  return out === '' ? [] : out.split('\n').map((l) => l.split('|'));
}

/** Frames at expert severity warning or above (bad checksums, malformed, ...): must be none. */
export function assertTsharkClean(file: string): void {
  const bad = tsharkFields(file, ['frame.number', '_ws.expert.message'], '_ws.expert.severity >= 0x00600000 || _ws.malformed');
  assert.deepEqual(bad, [], `tshark finds problems in ${file}: ${JSON.stringify(bad)}`);
  const r = spawnSync('tshark', ['-r', file, ...CHECKSUMS, '-q', '-z', 'expert,warn'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `tshark -r ${file} exited ${r.status}: ${r.stderr}`);
  assert.doesNotMatch(r.stdout, /Warns|Errors|Malformed/i, `tshark's expert info for ${file}:\n${r.stdout}`);
}

/** Number of frames tshark reads from `file`. */
export function tsharkCount(file: string, filter?: string): number {
  return tsharkFields(file, ['frame.number'], filter).length;
}
