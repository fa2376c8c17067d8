// pcapng files written so that a kill -9 cannot leave a block cut short: Linux stops a write() on a
// fatal signal only where a page of the file ends (a multiple of 4096 bytes), so vnet places blocks
// so that none crosses such a boundary, with padding blocks tshark skips. Checked on the layout
// rule alone (every offset, every length), and on a real capture cut at each of its page boundaries
// as the kernel would: every such prefix is read whole, by our reader and by tshark.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CaptureManager, readCapture } from '../../src/capture/index.js';
import { BLOCK_PAGE_PADDING, FILE_PAGE, pagePadding } from '../../src/capture/formats.js';
import { Network } from '../../src/engine/network.js';
import { Rng } from '../../src/engine/rng.js';
import { assertTsharkClean, requireTshark, tsharkCount } from './tshark.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vnet-capture-pages-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('pagePadding: at every offset, a block up to 4084 bytes (or exactly 4096) crosses no page boundary, and no gap of 4 or 8 bytes is ever left', () => {
  // Offsets reachable from the start of a file: multiples of 4 that leave no 4- or 8-byte gap before a boundary.
  for (let offset = 0; offset < FILE_PAGE; offset += 4) {
    const room = FILE_PAGE - offset;
    if (room === 4 || room === 8) continue;
    for (let total = 12; total <= 3 * FILE_PAGE; total += 4) {
      const pad = pagePadding(offset, total);
      assert.ok(pad === 0 || (pad >= 12 && pad % 4 === 0 && pad <= room), `offset ${offset}, block ${total}: padding ${pad} would itself cross a boundary`);
      const start = offset + pad;
      const end = start + total;
      if (total <= FILE_PAGE - 12 || total === FILE_PAGE) {
        assert.equal(Math.floor(start / FILE_PAGE), Math.floor((end - 1) / FILE_PAGE), `offset ${offset}, block ${total}: crosses a page boundary`);
      }
      const gap = (FILE_PAGE - (end % FILE_PAGE)) % FILE_PAGE;
      assert.ok(gap !== 4 && gap !== 8, `offset ${offset}, block ${total}: leaves ${gap} bytes before the boundary`);
    }
  }
});

/** Block offsets of a pcapng file's bytes, and the padding blocks among them. */
function blocks(bytes: Buffer): { starts: Set<number>; padding: number; paddingBytes: number; big: [number, number][] } {
  const starts = new Set<number>();
  let padding = 0;
  let paddingBytes = 0;
  const big: [number, number][] = [];
  for (let o = 0; o < bytes.length; ) {
    starts.add(o);
    const total = bytes.readUInt32LE(o + 4);
    if (bytes.readUInt32LE(o) === BLOCK_PAGE_PADDING) {
      padding++;
      paddingBytes += total;
    }
    if (total > FILE_PAGE - 12 && total !== FILE_PAGE) big.push([o, total]);
    o += total;
  }
  return { starts, padding, paddingBytes, big };
}

test('a pcapng capture cut at any page boundary, as a killed write() is, holds whole blocks that tshark reads cleanly', () => {
  requireTshark();
  // Frames of every size up to a jumbo MTU (blocks past a page too), drops with their comments.
  const net = new Network({ clock: 'virtual', seed: 5 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0', mtu: 9000 });
  net.addHost({ name: 'a', router: 'internet', ips: ['198.51.100.1'] });
  net.addHost({ name: 'b', router: 'internet', ips: ['198.51.100.2'] });
  const file = join(dir, 'pages.pcapng');
  const captures = new CaptureManager(net);
  captures.start({ ifaces: ['a', 'b', 'internet/lan'], file, withDrops: true });
  const rng = new Rng('pages');
  const sock = net.host('a').udpBind(5000);
  net.host('b').udpBind(7000);
  for (let i = 0; i < 600; i++) {
    const size = i % 50 === 49 ? 4000 + (rng.nextU32() % 4000) : rng.nextU32() % 1473;
    sock.send(Buffer.alloc(size, 0x61 + (i % 26)), i % 7 === 0 ? 9 : 7000, '198.51.100.2'); // port 9: nobody listens, a drop
    net.advance('1ms');
  }
  net.runUntilIdle();
  captures.stopAll();
  const bytes = readFileSync(file);
  const { starts, padding, paddingBytes, big } = blocks(bytes);
  const pages = Math.ceil(bytes.length / FILE_PAGE);
  assert.ok(big.length > 0, 'the capture holds blocks longer than a page');
  const inside = (at: number): boolean => big.some(([o, total]) => at > o && at < o + total);
  const whole = readCapture(bytes).packets.length;
  assert.equal(tsharkCount(file), whole, 'tshark skips the padding blocks: it sees every packet and nothing else');
  assertTsharkClean(file);
  let cuts = 0;
  for (let at = FILE_PAGE; at < bytes.length; at += FILE_PAGE) {
    if (inside(at)) continue; // only a block longer than a page may hold a boundary (documented; mended at the next start)
    assert.ok(starts.has(at), `page boundary ${at} falls inside a block`);
    assert.ok(readCapture(bytes.subarray(0, at)).packets.length <= whole);
    cuts++;
  }
  assert.ok(cuts > pages / 2, `${cuts} of ${pages} boundaries checked`);
  // tshark on one of those prefixes (seeded): read whole, with no complaint.
  let at = FILE_PAGE * (1 + (rng.nextU32() % (pages - 1)));
  while (inside(at)) at -= FILE_PAGE;
  const prefix = join(dir, 'prefix.pcapng');
  writeFileSync(prefix, bytes.subarray(0, at));
  assert.equal(tsharkCount(prefix), readCapture(bytes.subarray(0, at)).packets.length);
  assertTsharkClean(prefix);
  assert.ok(padding <= pages, `${padding} padding blocks in ${pages} pages: at most one a page`);
  assert.ok(paddingBytes < bytes.length / 2, `padding takes ${paddingBytes} of ${bytes.length} bytes`);
});
