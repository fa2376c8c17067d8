// Fragmented traffic in a capture as tshark reads it (checksums checked, IP reassembly on): every
// datagram is put back together on every interface, with no expert warnings.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CaptureManager } from '../../src/capture/index.js';
import { captureNetwork, SERVER } from './scenario.js';
import { assertTsharkClean, requireTshark, tsharkFields } from './tshark.js';

let dir = '';
before(() => {
  requireTshark();
  dir = mkdtempSync(join(tmpdir(), 'vnet-capture-frag-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('fragments through a NAT with a smaller MTU: tshark reassembles each datagram cleanly on every interface', () => {
  const net = captureNetwork(3);
  net.iface('home/uplink').mtu = 1400;
  const m = new CaptureManager(net);
  // One file per interface: tshark keys reassembly on addresses, protocol and id, not on the interface,
  // so the same fragment seen leaving one interface and entering the next would be counted twice.
  const ifaces = ['alice', 'home/lan', 'home/uplink', 'server'];
  const file = (i: string): string => join(dir, `${i.replace('/', '-')}.pcapng`);
  for (const i of ifaces) m.start({ ifaces: [i], file: file(i) });
  const echo = net.host('server').udpBind(7000);
  echo.on('message', (msg: Buffer, r: { address: string; port: number }) => echo.send(msg, r.port, r.address));
  const a = net.host('alice').udpBind(5000);
  for (let i = 0; i < 3; i++) {
    a.send(Buffer.alloc(3000, 0x41 + i), 7000, SERVER);
    net.advance('10ms');
  }
  net.host('alice').sendEcho(SERVER, { id: 9, seq: 1, size: 2000 });
  net.runUntilIdle();
  m.stopAll();
  for (const i of ifaces) assertTsharkClean(file(i));
  // 3 datagrams out and 3 echoed back, each 3008 UDP bytes in 3 fragments (1500-byte links; the NAT cuts
  // them to its 1400-byte uplink), then the 2028-byte ping and its reply in 2.
  const want = [...Array(6).fill(['3008', '3', '']), ['', '2', '8'], ['', '2', '0']];
  for (const i of ifaces) {
    const got = tsharkFields(file(i), ['udp.length', 'ip.fragment.count', 'icmp.type'], 'ip.fragment.count');
    assert.deepEqual(got, want, `${i}: ${JSON.stringify(got)}`);
  }
  const frags = tsharkFields(file('home/uplink'), ['ip.len', 'ip.frag_offset', 'ip.flags.mf'], 'ip.src == 203.0.113.10');
  assert.deepEqual(frags.slice(0, 3), [['1396', '0', '1'], ['1396', '172', '1'], ['276', '344', '0']], 'offsets in 8-byte units');
  assert.ok(frags.every(([len]) => Number(len) <= 1400), `what leaves by the 1400-byte uplink fits it: ${JSON.stringify(frags)}`);
});
