// Where NAT-PMP meets routers with several LANs (and the multicast option): announcements reach a
// host socket on lan2 (224.0.0.1:5350), a host on lan2 gets a mapping an outside host reaches, the
// uplink side still gets nothing; a LAN added after `natpmp enable` is served after disable + enable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../../src/engine/network.js';
import { gatewayServices } from '../../src/services/registry.js';
import { PortMappingClient } from '../../src/services/natpmp/client.js';
import { parseNatPmp } from '../../src/wire/natpmp.js';
import type { Host } from '../../src/engine/host.js';
import type { MulticastOptions } from '../../src/multicast/router-multicast.js';
import { exchange, settle } from '../services/natpmp-rig.js';

const EXTERNAL = '203.0.113.10';

/** home (NAT, 203.0.113.10) with lan 192.168.1.0/24 (alice) and lan2 192.168.2.0/24 (bob); server outside; NAT-PMP with PCP. */
function rig(multicast?: MulticastOptions) {
  const net = new Network({ clock: 'virtual', seed: 5 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', ips: [EXTERNAL], nat: 'port-restricted', multicast });
  net.addLan({ router: 'home', cidr: '192.168.2.0/24' });
  const alice = net.addHost({ name: 'alice', router: 'home' });
  const bob = net.addHost({ name: 'bob', router: 'home', lan: 'lan2' });
  const server = net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  const services = gatewayServices(net);
  return { net, alice, bob, server, services };
}

function client(host: Host, gateway: string): PortMappingClient {
  const s = host.createSocket('udp4');
  s.bindNow(0, host.ip);
  return new PortMappingClient(s, gateway, { random: () => 0.5 });
}

/** Announcements a socket bound to 5350 on `host` gets: "SENDER kind" per datagram. */
function announcements(host: Host): string[] {
  const got: string[] = [];
  host.udpBind(5350).on('message', (m: Buffer, r: { address: string }) => {
    got.push(`${r.address} ${m[0] === 0 ? `nat-pmp ${parseNatPmp(m).type}` : 'pcp'}`);
  });
  return got;
}

for (const multicast of [undefined, { forwarding: true }] as const) {
  const label = multicast ? 'with multicast forwarding' : 'without multicast';
  test(`${label}: a socket on 5350 on lan2 gets the announcements from lan2's gateway, none reach the uplink side`, () => {
    const { net, alice, bob, server, services } = rig(multicast);
    const onLan = announcements(alice);
    const onLan2 = announcements(bob);
    const outside = announcements(server);
    services.enableNatPmp('home', { pcp: true });
    net.runUntilIdle('200s');
    assert.equal(onLan2.length, 20, '10 announcements, NAT-PMP and PCP each');
    assert.deepEqual([...new Set(onLan2)], ['192.168.2.1 nat-pmp external-address-response', '192.168.2.1 pcp']);
    assert.deepEqual([...new Set(onLan)], ['192.168.1.1 nat-pmp external-address-response', '192.168.1.1 pcp']);
    assert.equal(onLan.length, 20);
    assert.deepEqual(outside, []);
    net.close();
  });

  test(`${label}: a host on lan2 maps a port through lan2's gateway and an outside host reaches it; the uplink side gets no answer`, async () => {
    const { net, bob, server, services } = rig(multicast);
    services.enableNatPmp('home', { pcp: true });
    const inside = bob.udpBind(5000);
    const got: string[] = [];
    inside.on('message', (msg: Buffer, r: { address: string; port: number }) => got.push(`${msg} from ${r.address}:${r.port}`));
    const ext = await settle(net, client(bob, '192.168.2.1').externalAddress());
    assert.equal(ext.address, EXTERNAL);
    const m = await settle(net, client(bob, '192.168.2.1').map({ protocol: 'udp', internalPort: 5000, externalPort: 40000, lifetime: 600 }));
    assert.equal(m.externalPort, 40000);
    server.udpBind(7000).sendBytes(Buffer.from('hello lan2'), m.externalPort, EXTERNAL);
    net.runUntilIdle('1s');
    await settle(net, Promise.resolve());
    assert.deepEqual(got, ['hello lan2 from 198.51.100.7:7000']);
    // From outside, to the uplink address and to lan2's gateway: nothing answers.
    const raw = server.udpBind(0);
    assert.equal(await exchange(net, raw, Uint8Array.of(0, 0), EXTERNAL), null);
    assert.equal(await exchange(net, raw, Uint8Array.of(0, 0), '192.168.2.1'), null);
    net.close();
  });
}

test('a LAN added after natpmp enable: not served, not announced on, not shown, until disable + enable', async () => {
  const { net, services } = rig();
  services.enableNatPmp('home', {});
  net.addLan({ router: 'home', cidr: '192.168.3.0/24' });
  const carol = net.addHost({ name: 'carol', router: 'home', lan: 'lan3' });
  const heard = announcements(carol);
  services.resetNatPmp('home'); // announcements go out again
  net.runUntilIdle('200s');
  assert.deepEqual(heard, [], 'no announcements of a service the LAN cannot reach');
  assert.deepEqual(services.server('home').info().addresses, ['192.168.1.1', '192.168.2.1'], 'show lists what is served');
  await assert.rejects(settle(net, client(carol, '192.168.3.1').externalAddress()), { code: 'ECONNREFUSED' });
  services.disableNatPmp('home');
  services.enableNatPmp('home', {});
  assert.deepEqual(services.server('home').info().addresses, ['192.168.1.1', '192.168.2.1', '192.168.3.1']);
  const ext = await settle(net, client(carol, '192.168.3.1').externalAddress());
  assert.equal(ext.address, EXTERNAL);
  net.runUntilIdle('200s');
  assert.equal(heard.length, 10);
  // A LAN removed: no longer shown.
  net.removeLan('home', 'lan2');
  assert.deepEqual(services.server('home').info().addresses, ['192.168.1.1', '192.168.3.1']);
  net.close();
});
