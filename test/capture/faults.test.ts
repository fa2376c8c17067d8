// Faults during a capture: a process killed with SIGKILL mid-capture, and a disk that fills up.
// A full disk leaves the file on a whole record (tshark reads it whole, our reader too) and `capture
// ls` counting exactly the packets the file holds; a kill leaves whole records (pcapng at once, pcap
// once the next session start has mended it: see the kill test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CaptureManager, readCapture } from '../../src/capture/index.js';
import { Rng } from '../../src/engine/rng.js';
import { recoverStaleCaptures } from '../../src/session/capture-claims.js';
import { captureNetwork, SERVER } from './scenario.js';
import { requireTshark } from './tshark.js';

const CHILD = fileURLToPath(new URL('./fault-child.js', import.meta.url));
const REPLAY_CHILD = fileURLToPath(new URL('./replay-child.js', import.meta.url));

/** tshark reads the whole file: exit 0 and nothing on stderr (a file cut short says so there). */
function assertReadsWhole(file: string): number {
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, `tshark -r ${file} exited ${r.status}: ${r.stderr}`);
  // tshark's only other words on stderr are its warning about running as root.
  const said = r.stderr.split('\n').filter((l) => l.trim() !== '' && !/^Running as user "root"/.test(l));
  assert.deepEqual(said, [], `tshark -r ${file}: ${r.stderr}`);
  const ours = readCapture(readFileSync(file));
  const frames = r.stdout.trim() === '' ? 0 : r.stdout.trim().split('\n').length;
  assert.equal(ours.packets.length, frames, 'our reader and tshark see the same packets');
  return frames;
}

/** The end of the last whole record (pcap) or block (pcapng) in `bytes`: the file's length when it holds whole records only. */
function wholeRecordsEnd(bytes: Buffer): number {
  const pcapng = bytes.readUInt32LE(0) === 0x0a0d0d0a;
  let at = pcapng ? 0 : 24;
  for (;;) {
    const header = pcapng ? 8 : 16;
    if (at + header > bytes.length) return at;
    const len = pcapng ? bytes.readUInt32LE(at + 4) : 16 + bytes.readUInt32LE(at + 8);
    if (at + len > bytes.length) return at;
    at += len;
  }
}

/** Runs a child (the capture child, unless `script` names another) until it is ready, then SIGKILLs it `afterMs` later; returns its pid. */
async function killMidCapture(file: string, args: string[], afterMs: number, runtime: string, script = CHILD): Promise<number> {
  const argv = script === CHILD ? [CHILD, file, ...args] : [script, ...args, file];
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VNET_RUNTIME_DIR: runtime } });
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
    return child.pid!;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

// Linux stops a write() on a fatal signal between pages of the file, so a kill -9 landing inside
// the kernel's copy of one write leaves a prefix of it that ends at a multiple of 4096 bytes. pcapng
// blocks never cross such a boundary (padding blocks fill the gaps; test/capture/pages.test.ts), so a
// pcapng file is whole as the kill left it. A pcap file has no block to pad with: the next session
// start mends it from the stale claim (cuts the record the kernel cut short). Either way, whole
// records exactly. More kills: VNET_FAULT_KILLS=200 (about 0.5 % of kills land inside a write).
test('kill -9 at seeded moments during a capture: pcapng whole as left, pcap whole once the next session start mends it', async (t) => {
  requireTshark();
  const dir = mkdtempSync(join(tmpdir(), 'vnet-capture-kill-'));
  const runtime = join(dir, 'runtime');
  const rng = new Rng('kill-mid-capture');
  const kills = Number(process.env.VNET_FAULT_KILLS ?? 8);
  let mended = 0;
  try {
    for (let i = 0; i < kills; i++) {
      const pcap = i % 2 === 1;
      const file = join(dir, `killed-${i}.${pcap ? 'pcap' : 'pcapng'}`);
      const pid = await killMidCapture(file, pcap ? ['--pcap'] : [], 30 + (rng.nextU32() % 170), runtime);
      const left = readFileSync(file);
      assert.ok(left.length > 0, 'the child wrote something');
      if (!pcap) assert.equal(wholeRecordsEnd(left), left.length, `${file}: the kill left ${left.length - wholeRecordsEnd(left)} bytes of a cut block`);
      assert.equal(readdirSync(join(runtime, 'captures')).length, 1, 'the killed writer left its claim');
      const lines = recoverStaleCaptures({ VNET_RUNTIME_DIR: runtime });
      assert.deepEqual(readdirSync(join(runtime, 'captures')), [], 'the stale claim is dropped');
      const cut = left.length - wholeRecordsEnd(left);
      if (cut === 0) assert.deepEqual(lines, [], 'a whole file is left as it is, silently');
      else {
        mended++;
        assert.deepEqual(lines, [`capture ${file}: cut final record (${cut} bytes) removed after session fault-child (pid ${pid}) died while writing it; ${left.length - cut} bytes of whole records kept`]);
      }
      const now = readFileSync(file);
      assert.equal(wholeRecordsEnd(now), now.length, `${file}: whole records only`);
      assert.ok(assertReadsWhole(file) > 0, `${file}: packets were written before the kill`);
    }
    t.diagnostic(`${mended} of ${Math.floor(kills / 2)} pcap kills landed inside a write and were mended`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The same guarantee where kills land inside a write nearly every time: the bytes of a pcapng that
// vnet laid out (about 2 MiB), written again and again, each copy in one write (the capture writer's are 64 KiB, so
// few kills of it land inside one). The kernel keeps a prefix of the write that ends on a page
// boundary, which the layout makes a block boundary: the file is whole blocks, as left.
test('kill -9 inside large writes of a pcapng that vnet laid out: whole blocks, as left', async (t) => {
  requireTshark();
  const dir = mkdtempSync(join(tmpdir(), 'vnet-capture-replay-'));
  const rng = new Rng('kill-inside-writes');
  try {
    const made = join(dir, 'made.pcapng');
    const net = captureNetwork(9);
    const captures = new CaptureManager(net);
    captures.start({ ifaces: ['alice', 'home/lan', 'home/uplink'], file: made, withDrops: true });
    const sock = net.host('alice').udpBind(5000);
    for (let i = 0; i < 700; i++) {
      sock.send(Buffer.alloc(rng.nextU32() % 1473, 0x61), 7000, SERVER);
      net.advance('1ms');
    }
    captures.stopAll();
    net.close();
    const whole = readFileSync(made);
    const image = join(dir, 'image.pcapng');
    writeFileSync(image, whole.subarray(0, whole.length - (whole.length % 4096)));
    const imageLength = statSync(image).size;
    assert.ok(imageLength >= 2 ** 20, `the image is ${imageLength} bytes`);
    let inside = 0;
    const kills = 6;
    for (let i = 0; i < kills; i++) {
      const file = join(dir, `replayed-${i}.pcapng`);
      await killMidCapture(file, [image], 20 + (rng.nextU32() % 80), dir, REPLAY_CHILD);
      const left = readFileSync(file);
      if (left.length % imageLength !== 0) inside++;
      assert.equal(wholeRecordsEnd(left), left.length, `${file}: the kill left ${left.length - wholeRecordsEnd(left)} bytes of a cut block`);
      if (i < 2) assert.ok(assertReadsWhole(file) > 0);
      rmSync(file);
    }
    t.diagnostic(`${inside} of ${kills} kills landed inside a write of ${imageLength} bytes`);
    assert.ok(inside > 0, 'some kill landed inside a write');
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
