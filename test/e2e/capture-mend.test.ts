// A capture file whose session died mid-write (here: cut by hand, half a record appended) is mended
// by the next `vnet up`, or by `vnet down` of the dead session: cut back to its last whole record,
// the stale claim dropped, one line on stderr each; tshark then reads the file whole.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CaptureManager } from '../../src/capture/index.js';
import { captureNetwork, runTraffic } from '../capture/scenario.js';
import { requireTshark } from '../capture/tshark.js';
import { CliSandbox, waitUntil } from './cli-helpers.js';

const box = new CliSandbox();
after(() => box.cleanup());

/** A pid that no process has: one that ran and was reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  assert.equal(r.status, 0);
  return r.pid!;
}

/** Writes a whole capture of the scenario's traffic to `file`; returns its length and the length of its last record. */
function wholeCapture(file: string, format: 'pcap' | 'pcapng'): { size: number; last: Buffer } {
  const net = captureNetwork(3);
  const captures = new CaptureManager(net);
  captures.start({ ifaces: format === 'pcap' ? ['home/uplink'] : ['home/lan', 'home/uplink'], file, format });
  runTraffic(net);
  captures.stopAll();
  net.close();
  const bytes = readFileSync(file);
  // The last record: walk them (pcap: 16-byte header with caplen at 8; pcapng: length at 4).
  let at = format === 'pcap' ? 24 : 0;
  let last = at;
  while (at < bytes.length) {
    last = at;
    at += format === 'pcap' ? 16 + bytes.readUInt32LE(at + 8) : bytes.readUInt32LE(at + 4);
  }
  return { size: bytes.length, last: bytes.subarray(last) };
}

/** A claim as a session leaves it in the runtime directory (named by the hash of the file's path). */
function staleClaim(file: string, pid: number, session: string): string {
  mkdirSync(join(box.dir, 'captures'), { recursive: true, mode: 0o700 });
  const claim = join(box.dir, 'captures', `${createHash('sha256').update(file).digest('hex').slice(0, 32)}.claim`);
  writeFileSync(claim, `${JSON.stringify({ pid, session, file })}\n`, { mode: 0o600 });
  return claim;
}

/** tshark reads the file to its end: exit 0, nothing on stderr (a record cut short is reported there). */
function assertTsharkReadsWhole(file: string): void {
  const r = spawnSync('tshark', ['-r', file], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const said = r.stderr.split('\n').filter((l) => l.trim() !== '' && !/^Running as user "root"/.test(l));
  assert.deepEqual(said, [], `tshark -r ${file}`);
}

test('up mends capture files a dead session was writing: the cut record goes, one line each, tshark reads them whole', async () => {
  requireTshark();
  const pid = deadPid();
  const files: { file: string; size: number; half: number; claim: string }[] = [];
  for (const format of ['pcapng', 'pcap'] as const) {
    const file = join(box.dir, `cut.${format}`);
    const { size, last } = wholeCapture(file, format);
    const half = Math.floor(last.length / 2);
    appendFileSync(file, last.subarray(0, half));
    const cut = spawnSync('tshark', ['-r', file], { encoding: 'utf8' });
    assert.match(cut.stderr, /cut short|truncated/i, `tshark sees ${file} cut before it is mended`);
    files.push({ file, size, half, claim: staleClaim(file, pid, 'gone') });
  }
  const r = await box.run(['up', '--session', 'mender']);
  assert.equal(r.code, 0, r.stderr);
  const said = r.stderr.trim().split('\n').sort();
  assert.deepEqual(said, files.map(({ file, size, half }) =>
    `vnet: capture ${file}: cut final record (${half} bytes) removed after session gone (pid ${pid}) died while writing it; ${size} bytes of whole records kept`).sort());
  for (const { file, size, claim } of files) {
    assert.equal(statSync(file).size, size, `${file} is back to its whole records`);
    assert.equal(existsSync(claim), false, 'the stale claim is dropped');
    assertTsharkReadsWhole(file);
  }
  // Nothing left to mend: the next start says nothing.
  await box.ok(['down', '--session', 'mender']);
  const again = await box.run(['up', '--session', 'mender']);
  assert.equal(again.stderr, '');
  await box.ok(['down', '--session', 'mender']);
});

test('down of a session whose daemon died mends the capture it was writing', async () => {
  requireTshark();
  await box.ok(['up', '--session', 'crashed']);
  const pid = box.pidOf('crashed')!;
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => processGone(pid), `the killed daemon (pid ${pid}) to exit`);
  const file = join(box.dir, 'crashed.pcapng');
  const { size, last } = wholeCapture(file, 'pcapng');
  appendFileSync(file, last.subarray(0, 10));
  staleClaim(file, pid, 'crashed');
  const r = await box.run(['down', '--session', 'crashed']);
  assert.equal(r.code, 3, r.stderr);
  assert.ok(r.stderr.includes(`vnet: capture ${file}: cut final record (10 bytes) removed after session crashed (pid ${pid}) died while writing it;`), r.stderr);
  assert.equal(statSync(file).size, size);
  assert.deepEqual(readdirSync(join(box.dir, 'captures')), []);
  assertTsharkReadsWhole(file);
});

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
