// Faults during a capture: a process killed with SIGKILL mid-capture, and a disk that fills up.
// A full disk leaves the file on a whole record (tshark reads it whole, our reader too) and `capture
// ls` counting exactly the packets the file holds; a kill leaves whole records and at most the last
// one cut short by the kernel (see the kill test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CaptureManager, readCapture } from '../../src/capture/index.js';
import { Rng } from '../../src/engine/rng.js';
import { captureNetwork, SERVER } from './scenario.js';
import { requireTshark } from './tshark.js';

const CHILD = fileURLToPath(new URL('./fault-child.js', import.meta.url));

/** tshark reads the whole file: exit 0 and nothing on stderr (a file cut short says so there). */
function assertReadsWhole(file: string): number {
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `tshark -r ${file} exited ${r.status}: ${r.stderr}`);
  // tshark's only other words on stderr are its warning about running as root.
  const said = r.stderr.split('\n').filter((l) => l.trim() !== '' && !/^Running as user "root"/.test(l));
  assert.deepEqual(said, [], `tshark -r ${file}: ${r.stderr}`);
  const ours = readCapture(readFileSync(file));
  const frames = r.stdout.trim() === '' ? 0 : r.stdout.trim().split('\n').length;
  assert.equal(ours.packets.length, frames, 'our reader and tshark see the same packets');
  return frames;
}

/**
 * The end of the last whole record (pcap) or block (pcapng) in `bytes`, and whether what follows it
 * is the start of one more that was cut short (a record header that fits, with a length past the end).
 */
function wholeRecordsEnd(bytes: Buffer): { end: number; cutAfter: boolean } {
  const pcapng = bytes.readUInt32LE(0) === 0x0a0d0d0a;
  let at = pcapng ? 0 : 24;
  for (;;) {
    const header = pcapng ? 8 : 16;
    if (at + header > bytes.length) return { end: at, cutAfter: at < bytes.length };
    const len = pcapng ? bytes.readUInt32LE(at + 4) : 16 + bytes.readUInt32LE(at + 8);
    if (at + len > bytes.length) return { end: at, cutAfter: true };
    at += len;
  }
}

/** Runs the child until it is ready and its file has grown past `minBytes`, then SIGKILLs it `afterMs` later. */
async function killMidCapture(file: string, args: string[], afterMs: number): Promise<void> {
  const child = spawn(process.execPath, [CHILD, file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the capture child did not get ready in 20 s: ${stderr}`)), 20_000);
      child.stdout.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', () => reject(new Error(`the capture child exited early: ${stderr}`)));
    });
    // Real time on purpose: the kill must land while the child is busy writing.
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    assert.equal(child.kill('SIGKILL'), true);
    assert.equal(await exited, 'SIGKILL');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

// Known gap (README "Limits"): Linux stops a write() between pages when a fatal signal arrives, so a
// kill -9 that lands inside the kernel's copy of one write can leave that write's last record cut
// short. vnet writes whole records in every write() call, so anything else is a bug: what is in the
// file must be whole records, then at most one record cut short at the very end; everything before
// the cut is read whole by tshark.
test('kill -9 at seeded moments during a capture: whole records, at most the final one cut by the kernel mid-write', async (t) => {
  requireTshark();
  const dir = mkdtempSync(join(tmpdir(), 'vnet-capture-kill-'));
  const rng = new Rng('kill-mid-capture');
  let cut = 0;
  try {
    for (let i = 0; i < 4; i++) {
      const pcap = i % 2 === 1;
      const file = join(dir, `killed-${i}.${pcap ? 'pcap' : 'pcapng'}`);
      await killMidCapture(file, pcap ? ['--pcap'] : [], 30 + (rng.nextU32() % 170));
      assert.ok(statSync(file).size > 0, 'the child wrote something');
      const bytes = readFileSync(file);
      const { end, cutAfter } = wholeRecordsEnd(bytes);
      if (end < bytes.length) {
        assert.ok(cutAfter, `${file}: ${bytes.length - end} bytes after the last whole record are not the start of one`);
        cut++;
        writeFileSync(file, bytes.subarray(0, end));
      }
      assert.ok(assertReadsWhole(file) > 0, `${file}: packets were written before the kill`);
    }
    t.diagnostic(`${cut} of 4 kills landed inside a write and cut its last record`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a disk that fills during a capture: the file ends on a whole record and capture ls counts what it holds', async () => {
  requireTshark();
  assert.equal(process.getuid?.(), 0, 'this test mounts a small tmpfs: run the tests as root (the reference machine and CI are)');
  const root = mkdtempSync(join(tmpdir(), 'vnet-capture-full-'));
  const mnt = join(root, 'small');
  mkdirSync(mnt);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { encoding: 'utf8' });
  if (mount.status !== 0) {
    rmSync(root, { recursive: true, force: true });
    assert.fail(`cannot mount a tmpfs here: ${mount.stderr.trim()}`);
  }
  try {
    for (const format of ['pcapng', 'pcap'] as const) {
      const file = join(mnt, `full.${format}`);
      const net = captureNetwork(3);
      const captures = new CaptureManager(net);
      const { id } = captures.start({ ifaces: ['home/uplink'], file, format });
      const failed: string[] = [];
      net.on((e) => {
        if (e.type === 'capture-failed') failed.push(e.error);
      });
      const sock = net.host('alice').udpBind(5000);
      // Bursts of odd sizes, each flushed on the next turn, until the disk is full.
      for (let burst = 0; failed.length === 0 && burst < 10_000; burst++) {
        for (let i = 0; i < 1 + (burst % 5); i++) sock.send(Buffer.alloc(333 + burst % 17, 0x62), 7000, SERVER);
        net.advance('1ms');
        await nextTurn();
      }
      assert.equal(failed.length, 1, 'the capture failed once the disk was full');
      assert.match(failed[0], /ENOSPC/);
      const info = captures.list().find((c) => c.id === id)!;
      assert.equal(info.state, 'failed');
      const frames = assertReadsWhole(file);
      assert.ok(frames > 0, 'records written before the disk filled are kept');
      assert.equal(info.packets, frames, `capture ls says ${info.packets} packets, the file holds ${frames}`);
      net.close();
      rmSync(file);
    }
  } finally {
    // Removed only once unmounted (else rm would reach into the mount).
    if (spawnSync('umount', [mnt]).status === 0) rmSync(root, { recursive: true, force: true });
  }
});
