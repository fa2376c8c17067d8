// CaptureManager: validation before anything starts, ids, stop/stopAll, buffered writes (whole
// records only, flushed on a later turn, past 64 KiB and on stop), failures that end one capture
// and never the network, and byte-identical files from two seeded runs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CaptureManager, readCapture, type CaptureStartOptions } from '../../src/capture/index.js';
import { Capture } from '../../src/capture/capture.js';
import { CaptureOutput } from '../../src/capture/output.js';
import { VnetError } from '../../src/engine/errors.js';
import type { NetworkEvent } from '../../src/engine/events.js';
import { captureNetwork, runTraffic, SERVER } from './scenario.js';
import { assertTsharkClean, requireTshark } from './tshark.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vnet-capture-mgr-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof VnetError, `want a VnetError, got ${String(e)}`);
    return { code: e.code, message: e.message };
  }
  return { code: '(none)', message: '(no error)' };
}

test('start validates everything and starts nothing on a bad request', () => {
  const sink = (): void => {};
  const cases: { name: string; opts: CaptureStartOptions; code: string; message: RegExp }[] = [
    { name: 'no interface', opts: { ifaces: [], sink }, code: 'EINVAL', message: /no interface to capture on/ },
    { name: 'unknown node', opts: { ifaces: ['nobody'], sink }, code: 'ENOTFOUND', message: /nobody/ },
    { name: 'unknown iface', opts: { ifaces: ['home/wan'], sink }, code: 'ENOTFOUND', message: /home has no interface "wan"/ },
    { name: 'same iface twice', opts: { ifaces: ['alice', 'alice/eth0'], sink }, code: 'EINVAL', message: /alice\/eth0 is given twice \("alice" and "alice\/eth0"\)/ },
    { name: 'pcap with two', opts: { ifaces: ['home/lan', 'home/uplink'], file: join(dir, 'x.pcap') }, code: 'EINVAL', message: /a pcap file holds one interface and 2 were given .*; use --format pcapng/ },
    { name: 'pcap with drops', opts: { ifaces: ['home'], sink, format: 'pcap', withDrops: true }, code: 'EINVAL', message: /use --format pcapng/ },
    { name: 'snaplen 0', opts: { ifaces: ['home'], sink, snaplen: 0 }, code: 'EINVAL', message: /snaplen 0 is not 1-262144 bytes/ },
    { name: 'snaplen too big', opts: { ifaces: ['home'], sink, snaplen: 262145 }, code: 'EINVAL', message: /snaplen 262145 is not 1-262144/ },
    { name: 'snaplen fraction', opts: { ifaces: ['home'], sink, snaplen: 1.5 }, code: 'EINVAL', message: /snaplen 1.5/ },
    { name: 'bad format', opts: { ifaces: ['home'], sink, format: 'erf' as never }, code: 'EINVAL', message: /"erf" is not pcap or pcapng/ },
    { name: 'file and sink', opts: { ifaces: ['home'], sink, file: join(dir, 'y.pcapng') }, code: 'EINVAL', message: /either a file or a sink/ },
    { name: 'nowhere to write', opts: { ifaces: ['home'] }, code: 'EINVAL', message: /needs somewhere to write/ },
    { name: 'us with pcapng', opts: { ifaces: ['home'], sink, resolution: 'us' }, code: 'EINVAL', message: /pcapng captures always use nanosecond/ },
    {
      name: 'missing directory', opts: { ifaces: ['home'], file: join(dir, 'no', 'such', 'dir', 'c.pcapng') }, code: 'EINVAL',
      message: /cannot write capture file ".*no\/such\/dir\/c\.pcapng": the directory .*no\/such\/dir does not exist; create it first/,
    },
    { name: 'a directory', opts: { ifaces: ['home'], file: dir }, code: 'EINVAL', message: /capture file ".*" is a directory; give a file name/ },
  ];
  if (existsSync('/dev/full')) {
    cases.push({ name: 'disk full', opts: { ifaces: ['home'], file: '/dev/full' }, code: 'EINVAL', message: /cannot write capture file "\/dev\/full": ENOSPC/ });
  }
  for (const c of cases) {
    const net = captureNetwork();
    const m = new CaptureManager(net);
    const got = errorOf(() => m.start(c.opts));
    assert.equal(got.code, c.code, `${c.name}: code (${got.message})`);
    assert.match(got.message, c.message, c.name);
    assert.deepEqual(m.list(), [], `${c.name}: nothing listed`);
    for (const r of net.routers) for (const i of r.interfaces()) assert.equal(i.taps, null, `${c.name}: no tap left on ${i.fullName}`);
  }
  assert.equal(existsSync(join(dir, 'x.pcap')), false, 'a refused pcap leaves no file behind');
});

test('ids count from 1; list shows running captures; stop takes one away; unknown ids name `vnet capture ls`', () => {
  const net = captureNetwork();
  const m = new CaptureManager(net);
  const a = m.start({ ifaces: ['home/lan', 'home/uplink'], file: join(dir, 'ids-a.pcapng') });
  const b = m.start({ ifaces: ['server'], file: join(dir, 'ids-b.pcap') });
  assert.deepEqual([a.id, b.id], [1, 2]);
  assert.deepEqual(m.list().map((c) => [c.id, c.ifaces, c.format, c.state]), [
    [1, ['home/lan', 'home/uplink'], 'pcapng', 'running'], [2, ['server/eth0'], 'pcap', 'running'],
  ]);
  runTraffic(net);
  const stopped = m.stop(1);
  assert.equal(stopped.state, 'stopped');
  const s = net.iface('home/lan').stats;
  const u = net.iface('home/uplink').stats;
  assert.equal(stopped.packets, s.rxPackets + s.txPackets + u.rxPackets + u.txPackets);
  assert.equal(net.iface('home/lan').taps, null, 'taps detached on stop');
  assert.deepEqual(errorOf(() => m.stop(1)), { code: 'ENOTFOUND', message: 'no capture with id 1 (running: 2); see `vnet capture ls`' });
  const c = m.start({ ifaces: ['alice'], file: join(dir, 'ids-c.pcapng') });
  assert.equal(c.id, 3, 'ids are never reused');
  assert.deepEqual(m.stopAll().map((i) => [i.id, i.state]), [[2, 'stopped'], [3, 'stopped']]);
  assert.deepEqual(m.list(), []);
});

test('writes are buffered: whole records only on disk at any moment, flushed on the next turn, past 64 KiB and on stop', async () => {
  const net = captureNetwork();
  const file = join(dir, 'buffered.pcapng');
  const m = new CaptureManager(net);
  const { id } = m.start({ ifaces: ['alice'], file });
  const headerBytes = statSync(file).size;
  assert.ok(headerBytes > 0, 'the header is on disk at start');
  const sock = net.host('alice').udpBind(5000);
  sock.send('one', 7000, SERVER);
  net.runUntilIdle();
  assert.equal(statSync(file).size, headerBytes, 'a small burst waits in the buffer...');
  await nextTurn();
  assert.equal(readCapture(readFileSync(file)).packets.length, m.list()[0].packets, '...and is written on the next turn');
  // A big burst: the buffer writes itself out past 64 KiB, always at a record boundary.
  const big = Buffer.alloc(1000, 1);
  for (let i = 0; i < 200; i++) sock.send(big, 7000, SERVER);
  net.runUntilIdle();
  const mid = readCapture(readFileSync(file)).packets.length;
  assert.ok(mid > 1 && mid < m.list()[0].packets, `some but not all records on disk mid-burst (${mid} of ${m.list()[0].packets})`);
  m.flush();
  assert.equal(readCapture(readFileSync(file)).packets.length, m.list()[0].packets, 'flush writes the rest');
  sock.send('last', 7000, SERVER);
  net.runUntilIdle();
  const info = m.stop(id);
  assert.equal(readCapture(readFileSync(file)).packets.length, info.packets, 'stop leaves nothing behind');
  const st = net.iface('alice').stats;
  assert.equal(info.packets, st.rxPackets + st.txPackets);
  // The server answers the closed port as Linux would: a burst of 6 port unreachables, then one per second.
  assert.equal(info.packets, 202 + 6, '202 datagrams out, 6 port unreachables back (ICMP rate limit)');
});

test('a sink that throws fails its capture alone: the event stream hears of it, the network and other captures go on', () => {
  const net = captureNetwork();
  const m = new CaptureManager(net);
  const events: NetworkEvent[] = [];
  net.on((e) => events.push(e));
  let calls = 0;
  const bad = m.start({
    ifaces: ['alice'], sink: () => {
      if (++calls === 3) throw new Error('EPIPE: the reader went away');
    },
  });
  const good: Uint8Array[] = [];
  const other = m.start({ ifaces: ['alice'], sink: (c) => good.push(c) });
  const got: string[] = [];
  const server = net.host('server').udpBind(7000);
  server.on('message', (msg: Buffer) => got.push(msg.toString()));
  const sock = net.host('alice').udpBind(5000);
  for (let i = 0; i < 5; i++) sock.send(`n${i}`, 7000, SERVER);
  net.runUntilIdle();
  assert.deepEqual(got, ['n0', 'n1', 'n2', 'n3', 'n4'], 'the network keeps delivering');
  const told = m.list().filter((c) => c.state === 'failed');
  assert.equal(told.length, 1);
  assert.equal(told[0].id, bad.id);
  assert.equal(told[0].state, 'failed');
  assert.equal(told[0].packets, 1, 'the record that could not be handed over is not counted');
  assert.match(told[0].error!, /^capture 1 stopped: its output stream failed with EPIPE: the reader went away/);
  assert.deepEqual(events.filter((e) => e.type === 'capture-failed').map((e) => ({ ...e, time: 0 })), [
    { type: 'capture-failed', time: 0, id: 1, error: told[0].error },
  ]);
  assert.deepEqual(m.list().map((c) => [c.id, c.state]), [[1, 'failed'], [other.id, 'running']], 'a failed capture stays listed with its error');
  assert.equal(readCapture(Buffer.concat(good)).packets.length, 5);
  assert.equal(m.stop(1).state, 'failed');
  assert.equal(m.stop(other.id).packets, 5);
});

test('a file that cannot be written mid-run (disk full) fails its capture on the deferred flush: taps gone, error names the file', async () => {
  assert.ok(existsSync('/dev/full'), 'this test writes to /dev/full (Linux)');
  const net = captureNetwork();
  const iface = net.iface('alice');
  // The manager writes the header at start and would refuse /dev/full then: a Capture over an output whose disk fills later.
  const failed: Capture[] = [];
  const started: { c?: Capture } = {};
  const out = new CaptureOutput({ kind: 'file', fd: openSync('/dev/full', 'w'), path: '/dev/full' }, (err) => started.c!.fail(err));
  const c = new Capture({
    id: 9, ifaces: [iface], file: '/dev/full', format: 'pcapng', snaplen: 262144, withDrops: false, resolution: 'ns',
    originUnixSeconds: net.clock.originUnixSeconds, startedAtNs: 0,
  }, out, (x) => failed.push(x));
  started.c = c;
  c.attach();
  const sock = net.host('alice').udpBind(5000);
  sock.send('one', 7000, SERVER);
  net.runUntilIdle();
  assert.equal(c.state, 'running', 'records wait in the buffer until the next turn');
  assert.ok(c.info().packets > 0, 'buffered records count while the capture runs');
  await nextTurn();
  assert.equal(c.state, 'failed');
  assert.deepEqual(failed, [c], 'the failure is reported once');
  assert.match(c.error!, /^capture 9 stopped: writing \/dev\/full failed with ENOSPC \(.*\); free space or pick another path and start it again$/);
  assert.equal(iface.taps, null, 'its tap is detached');
  assert.equal(c.info().packets, 0, 'records that never reached the file are not counted');
  sock.send('two', 7000, SERVER);
  net.runUntilIdle();
  assert.equal(c.info().packets, 0, 'nothing more is recorded');
  c.stop();
  assert.equal(c.state, 'failed', 'stop after a failure keeps the failure');
});

test('two runs of one seeded scenario give byte-identical pcapng and pcap files', () => {
  requireTshark();
  const run = (n: number, format: 'pcap' | 'pcapng'): Buffer => {
    const net = captureNetwork(42);
    const file = join(dir, `det-${n}.${format}`);
    const m = new CaptureManager(net);
    if (format === 'pcap') m.start({ ifaces: ['home/uplink'], file });
    else m.start({ ifaces: ['alice', 'home/lan', 'home/uplink', 'server', 'bob'], file, withDrops: true });
    runTraffic(net);
    m.stopAll();
    assertTsharkClean(file);
    return readFileSync(file);
  };
  for (const format of ['pcapng', 'pcap'] as const) {
    const a = run(1, format);
    const b = run(2, format);
    assert.ok(a.length > 1000, `${format}: a real capture (${a.length} bytes)`);
    assert.ok(a.equals(b), `${format}: the two files differ`);
  }
});
