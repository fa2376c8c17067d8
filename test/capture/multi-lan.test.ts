// Captures of a router with several LANs: `ROUTER/lan2` and a tagged third LAN in one pcapng, read by
// tshark with checksums checked: clean, each interface named, the MACs of both ends of each hop, the
// VLAN tag of its LAN, TTL one lower after the router, and the ICMP error from the LAN's gateway.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CaptureManager } from '../../src/capture/index.js';
import { formatMac } from '../../src/engine/mac.js';
import { Network } from '../../src/engine/network.js';
import { assertTsharkClean, requireTshark, tsharkFields } from './tshark.js';

let dir = '';
before(() => {
  requireTshark();
  dir = mkdtempSync(join(tmpdir(), 'vnet-capture-lans-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('captures on lan, lan2 and a tagged lan3 decode cleanly; the routed hop shows TTL-1 and the LANs\' own MACs', () => {
  const net = new Network({ clock: 'virtual', seed: 2 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'office', parent: 'internet', cidr: '10.1.0.0/24', ips: ['203.0.113.5'] });
  net.addLan({ router: 'office', cidr: '10.2.0.0/24' });
  net.addLan({ router: 'office', cidr: '10.3.0.0/24', vlan: [30] });
  const a = net.addHost({ name: 'a', router: 'office' });
  const b = net.addHost({ name: 'b', router: 'office', lan: 'lan2' });
  net.addHost({ name: 'c', router: 'office', lan: 'lan3' });
  const file = join(dir, 'office.pcapng');
  const m = new CaptureManager(net);
  m.start({ ifaces: ['office/lan', 'office/lan2', 'office/lan3'], file });
  const echo = b.udpBind(7000);
  echo.on('message', (msg: Buffer, r: { address: string; port: number }) => echo.send(msg, r.port, r.address));
  const sa = a.udpBind(4000);
  sa.send('across', 7000, b.ip);
  net.advance('1ms');
  sa.send('to a closed port on lan3', 9, '10.3.0.2');
  net.advance('1ms');
  a.sendEcho('10.3.0.2', { id: 3, seq: 1 });
  net.runUntilIdle();
  m.stopAll();
  assertTsharkClean(file);
  const frames = tsharkFields(file, ['frame.interface_name', 'eth.src', 'eth.dst', 'vlan.id', 'ip.src', 'ip.dst', 'ip.ttl', 'udp.dstport', 'icmp.type']);
  const mac = (i: string): string => formatMac(net.iface(i).mac);
  assert.deepEqual(frames, [
    ['office/lan', mac('a/eth0'), mac('office/lan'), '', '10.1.0.2', '10.2.0.2', '64', '7000', ''],
    ['office/lan2', mac('office/lan2'), mac('b/eth0'), '', '10.1.0.2', '10.2.0.2', '63', '7000', ''],
    ['office/lan2', mac('b/eth0'), mac('office/lan2'), '', '10.2.0.2', '10.1.0.2', '64', '4000', ''],
    ['office/lan', mac('office/lan'), mac('a/eth0'), '', '10.2.0.2', '10.1.0.2', '63', '4000', ''],
    ['office/lan', mac('a/eth0'), mac('office/lan'), '', '10.1.0.2', '10.3.0.2', '64', '9', ''],
    ['office/lan3', mac('office/lan3'), mac('c/eth0'), '30', '10.1.0.2', '10.3.0.2', '63', '9', ''],
    // c answers port unreachable, routed back to lan; tshark lists the quoted header's fields after the error's.
    ['office/lan3', mac('c/eth0'), mac('office/lan3'), '30', '10.3.0.2,10.1.0.2', '10.1.0.2,10.3.0.2', '64,63', '9', '3'],
    ['office/lan', mac('office/lan'), mac('a/eth0'), '', '10.3.0.2,10.1.0.2', '10.1.0.2,10.3.0.2', '63,63', '9', '3'],
    ['office/lan', mac('a/eth0'), mac('office/lan'), '', '10.1.0.2', '10.3.0.2', '64', '', '8'],
    ['office/lan3', mac('office/lan3'), mac('c/eth0'), '30', '10.1.0.2', '10.3.0.2', '63', '', '8'],
    ['office/lan3', mac('c/eth0'), mac('office/lan3'), '30', '10.3.0.2', '10.1.0.2', '64', '', '0'],
    ['office/lan', mac('office/lan'), mac('a/eth0'), '', '10.3.0.2', '10.1.0.2', '63', '', '0'],
  ]);
});

test('time exceeded for a packet from lan2 leaves lan2 with lan2\'s gateway as its source, decoded cleanly', () => {
  const net = new Network({ clock: 'virtual', seed: 2 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'office', parent: 'internet', cidr: '10.1.0.0/24', ips: ['203.0.113.5'] });
  net.addLan({ router: 'office', cidr: '10.2.0.0/24' });
  net.addHost({ name: 'a', router: 'office' });
  const b = net.addHost({ name: 'b', router: 'office', lan: 'lan2' });
  const file = join(dir, 'ttl.pcap');
  const m = new CaptureManager(net);
  m.start({ ifaces: ['office/lan2'], file });
  const s = b.udpBind(4000);
  s.setTTL(1);
  s.send('short-lived', 7000, '10.1.0.2');
  net.runUntilIdle();
  m.stopAll();
  assertTsharkClean(file);
  assert.deepEqual(tsharkFields(file, ['ip.src', 'ip.dst', 'ip.ttl', 'icmp.type', 'icmp.code']), [
    ['10.2.0.2', '10.1.0.2', '1', '', ''],
    ['10.2.0.1,10.2.0.2', '10.2.0.2,10.1.0.2', '64,1', '11', '0'],
  ]);
});
