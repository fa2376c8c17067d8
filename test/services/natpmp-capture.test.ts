// NAT-PMP on the wire, as tshark decodes it (checksums checked, no expert warnings): the
// announcements to 224.0.0.1:5350 at start and after the external address changes, with the epoch
// restarting, and a request and its answer.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CaptureManager } from '../../src/capture/index.js';
import { assertTsharkClean, requireTshark, tsharkFields } from '../capture/tshark.js';
import { rig, settle } from './natpmp-rig.js';

let dir = '';
before(() => {
  requireTshark();
  dir = mkdtempSync(join(tmpdir(), 'vnet-natpmp-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('announcements at start and after `router set --ip`: 10 each on home/lan, the epoch restarting at 0, the new address', async () => {
  const r = rig(null);
  const file = join(dir, 'announce.pcapng');
  const captures = new CaptureManager(r.net);
  captures.start({ ifaces: ['home/lan', 'home/uplink'], file });
  r.services.enableNatPmp('home', true);
  r.net.advance('200s');
  const m = await settle(r.net, r.client().map({ protocol: 'udp', internalPort: 5000, lifetime: 3600 }));
  r.net.setUplinkIps('home', ['203.0.113.20']);
  r.net.advance('200s');
  const ext = await settle(r.net, r.client().externalAddress());
  captures.stopAll();
  assertTsharkClean(file);

  const announced = tsharkFields(file, ['frame.interface_name', 'frame.time_relative', 'ip.src', 'ip.dst', 'ip.ttl', 'udp.srcport', 'udp.dstport', 'nat-pmp.version', 'nat-pmp.opcode', 'nat-pmp.sssoe', 'nat-pmp.external_ip'], 'ip.dst == 224.0.0.1');
  assert.equal(announced.length, 20, 'ten at start, ten after the change');
  for (const a of announced) assert.deepEqual(a.slice(0, 1).concat(a.slice(2, 9)), ['home/lan', '192.168.1.1', '224.0.0.1', '1', '5351', '5350', '0', '128']);
  const at = (i: number): number => Math.round(Number(announced[i][1]) * 1000);
  assert.deepEqual(announced.slice(0, 10).map((_, i) => at(i)), [0, 250, 750, 1750, 3750, 7750, 15750, 31750, 63750, 127750], 'gaps 250 ms, doubling');
  assert.deepEqual(announced.slice(0, 10).map((a) => a[9]), ['0', '0', '0', '1', '3', '7', '15', '31', '63', '127'], 'SSSoE updated in each copy');
  assert.deepEqual(announced.slice(0, 10).map((a) => a[10]), Array(10).fill('203.0.113.10'));
  assert.equal(at(10), 200_000, 'the second round starts when the address changes');
  assert.deepEqual(announced.slice(10).map((a) => a[9]), ['0', '0', '0', '1', '3', '7', '15', '31', '63', '127'], 'the epoch restarts at 0');
  assert.deepEqual(announced.slice(10).map((a) => a[10]), Array(10).fill('203.0.113.20'));
  assert.deepEqual([ext.address, ext.epoch], ['203.0.113.20', 200]);

  const answers = tsharkFields(file, ['udp.srcport', 'udp.dstport', 'nat-pmp.opcode', 'nat-pmp.result_code', 'nat-pmp.sssoe', 'nat-pmp.internal_port', 'nat-pmp.external_port', 'nat-pmp.pml'], 'nat-pmp && ip.dst == 192.168.1.2');
  assert.deepEqual(answers.find((a) => a[2] === '129'), ['5351', answers.find((a) => a[2] === '129')![1], '129', '0', '200', '5000', String(m.externalPort), '3600']);
  assert.equal(tsharkFields(file, ['frame.number'], 'nat-pmp && frame.interface_name == "home/uplink"').length, 0, 'nothing of NAT-PMP leaves by the uplink');
  r.net.close();
});

test('PCP on the wire: the ANNOUNCE beside each NAT-PMP announcement, a MAP and a PEER exchange, decoded clean', async () => {
  const r = rig(null);
  const file = join(dir, 'pcp.pcapng');
  const captures = new CaptureManager(r.net);
  captures.start({ ifaces: ['home/lan'], file });
  r.services.enableNatPmp('home', { pcp: true });
  r.net.advance('130s');
  const c = r.client();
  const m = await settle(r.net, c.pcpMap({ protocol: 'udp', internalPort: 5000, lifetime: 600 }));
  await settle(r.net, c.pcpPeer({ protocol: 'udp', internalPort: 5001, remoteAddress: '198.51.100.7', remotePort: 3478, lifetime: 120 }));
  captures.stopAll();
  assertTsharkClean(file);
  const announces = tsharkFields(file, ['portcontrol.version', 'portcontrol.opcode', 'portcontrol.result_code', 'portcontrol.epoch_time'], 'portcontrol && ip.dst == 224.0.0.1');
  assert.deepEqual(announces.map((a) => a.slice(0, 3)), Array(10).fill(['2', '0', '0']));
  const maps = tsharkFields(file, ['portcontrol.r', 'portcontrol.map.internal_port', 'portcontrol.map.rsp_assigned_external_port', 'portcontrol.map.rsp_assigned_ext_ip'], 'portcontrol.opcode == 1');
  assert.deepEqual(maps.map((a) => a[0]), ['0', '1']);
  assert.deepEqual(maps[1].slice(1), ['5000', String(m.externalPort), '::ffff:203.0.113.10']);
  assert.equal(tsharkFields(file, ['frame.number'], 'portcontrol.opcode == 2').length, 2, 'a PEER request and its answer');
  r.net.close();
});
