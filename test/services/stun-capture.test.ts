// A NAT probe captured on both sides of the NAT: tshark decodes every STUN message (checksums on, no
// expert warnings, nothing malformed) and reads the mapped address and the RFC 5780 attributes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CaptureManager } from '../../src/capture/index.js';
import { Network } from '../../src/engine/network.js';
import { probeBehaviour } from '../../src/services/nat-probe.js';
import { stunServers } from '../../src/services/stun-registry.js';
import { assertTsharkClean, requireTshark, tsharkFields } from '../capture/tshark.js';

let dir = '';
before(() => {
  requireTshark();
  dir = mkdtempSync(join(tmpdir(), 'vnet-stun-capture-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a probe through a port-restricted NAT, captured on home/lan and home/uplink, decodes cleanly as STUN in tshark', async () => {
  const net = new Network({ clock: 'virtual', seed: 5 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', ips: ['203.0.113.1'], nat: 'port-restricted' });
  const alice = net.addHost({ name: 'alice', router: 'home' });
  stunServers(net).add({ name: 'stun1', router: 'internet', ip: '198.51.100.10', altIp: '198.51.100.11' });
  const file = join(dir, 'probe.pcapng');
  const m = new CaptureManager(net);
  m.start({ ifaces: ['home/lan', 'home/uplink'], file });
  const r = await probeBehaviour(net, alice, stunServers(net).get('stun1'));
  m.stopAll();
  assertTsharkClean(file);
  const rows = tsharkFields(file, ['frame.interface_name', 'stun.type', 'stun.att.ipv4', 'stun.att.port'], 'stun && stun.type == 0x0101');
  assert.ok(rows.length >= 4, `success responses decoded: ${rows.length}`);
  // On the uplink the mapped address is the NAT's; the first attribute listed is XOR-MAPPED-ADDRESS, decoded.
  const uplink = rows.filter((x) => x[0] === 'home/uplink');
  assert.ok(uplink.length > 0);
  for (const x of uplink) assert.match(x[2], /^203\.0\.113\.1,/, `row ${x.join(' ')}`);
  assert.equal(r.mapped.split(':')[0], '203.0.113.1');
  const others = tsharkFields(file, ['stun.att.type'], 'stun && stun.type == 0x0101').flatMap((x) => x[0].split(','));
  for (const t of ['0x0020', '0x0001', '0x802b', '0x802c', '0x8022', '0x8028']) assert.ok(others.includes(t), `attribute ${t} seen: ${[...new Set(others)].join(' ')}`);
});
