// NAT-PMP in topology files and session methods: a router's `natpmp` entry applies, exports back the
// same, re-applies unchanged, changes in place; bad values are refused with the path; router.set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { applyTopology, exportTopology, parseTopology, topologyToYaml } from '../../src/session/topology.js';
import { Network } from '../../src/engine/network.js';
import { Session } from '../../src/session/session.js';
import { gatewayServices } from '../../src/services/registry.js';
import { Conn } from '../../src/services/natpmp/conn.js';
import { PortMappingClient } from '../../src/services/natpmp/client.js';
import { probablyNatPmp } from '../../src/wire/natpmp.js';

const FILE = `routers:
  - { name: internet, cidr: 0.0.0.0/0 }
  - name: home
    parent: internet
    cidr: 192.168.1.0/24
    uplink: { ips: [203.0.113.10] }
    natpmp: { pcp: true, maxLifetime: 2h, allowPorts: 1024-65535 }
  - { name: office, parent: internet, cidr: 10.1.0.0/24, natpmp: true }
hosts:
  - { name: alice, router: home, ips: [192.168.1.2] }
`;

test('a natpmp entry applies, exports the same, re-applies unchanged and changes in place', () => {
  const net = new Network({ clock: 'virtual', seed: 1 });
  applyTopology(net, parseTopology(FILE, 'lab.yaml'));
  const info = gatewayServices(net).server('home').info();
  assert.deepEqual([info.pcp, info.maxLifetimeNs, info.allowPorts], [true, 7200e9, [1024, 65535]]);
  const yaml = topologyToYaml(exportTopology(net));
  assert.match(yaml, /natpmp: \{ pcp: true, maxLifetime: 2h, allowPorts: 1024-65535 \}/);
  assert.match(yaml, /natpmp: true/);
  const again = new Network({ clock: 'virtual', seed: 1 });
  applyTopology(again, parseTopology(yaml, 'export.yaml'));
  assert.equal(topologyToYaml(exportTopology(again)), yaml, 'export → apply → export is stable');
  const same = applyTopology(net, parseTopology(yaml, 'export.yaml'));
  assert.deepEqual(same.changes, []);
  const changed = applyTopology(net, parseTopology(FILE.replace('natpmp: true', 'natpmp: { pcp: true }').replace(/ {4}natpmp: \{ pcp: true, maxLifetime.*\n/, ''), 'lab2.yaml'));
  assert.deepEqual(changed.changes, ['router home: natpmp {"pcp":true,"maxLifetime":"2h","allowPorts":"1024-65535"} → off', 'router office: natpmp on → {"pcp":true}']);
  assert.equal(gatewayServices(net).natPmpServer('home'), undefined);
  net.close();
  again.close();
});

test('bad natpmp entries are refused with their path; a router without NAT cannot serve it', () => {
  const net = new Network({ clock: 'virtual', seed: 1 });
  assert.throws(() => applyTopology(net, parseTopology(FILE.replace('allowPorts: 1024-65535', 'allowPorts: lots'), 'bad.yaml')), /bad\.yaml:\d+.*allowPorts/);
  assert.throws(() => applyTopology(net, parseTopology(FILE.replace('allowPorts: 1024-65535', 'allowPorts: 9000-80'), 'bad.yaml')), /allowed ports "9000-80" are not a range/);
  assert.throws(() => applyTopology(net, parseTopology(FILE.replace('natpmp: true', 'nat: none, natpmp: true'), 'bad.yaml')), /office has no NAT/);
  assert.equal(net.routers.length, 0, 'nothing applied');
  net.close();
});

test('session methods: natpmp.enable/show/reset/disable, natpmp.request from a host, router.set announces a new epoch', async () => {
  const s = new Session({ clock: 'virtual', seed: 2 });
  const ctx = { signal: new AbortController().signal, emit: () => {} };
  const call = (m: string, p: Record<string, unknown>): unknown => s.call(m, p, ctx);
  for (const line of parseTopology(FILE, 'lab.yaml').routers) call('router.add', line as unknown as Record<string, unknown>);
  call('host.add', { name: 'alice', router: 'home', ips: ['192.168.1.2'] });
  assert.throws(() => call('natpmp.enable', { router: 'home', allowPorts: 'x' }), { code: 'EINVAL', message: /natpmp\.enable: allowPorts/ });
  s.net.advance('30s');
  const r = await call('natpmp.request', { host: 'alice', protocol: 'udp', port: 5000, lifetime: 60 }) as { external: string; lifetime: number; epoch: number };
  assert.deepEqual([r.external.split(':')[0], r.lifetime, r.epoch], ['203.0.113.10', 60, 30]);
  const p = await call('natpmp.request', { host: 'alice', protocol: 'tcp', port: 8080, pcp: true }) as { via: string; nonce: string };
  assert.equal(p.via, 'pcp');
  assert.match(p.nonce, /^[0-9a-f]{24}$/);
  assert.equal((call('natpmp.show', { router: 'home' }) as { mappings: number }).mappings, 2);
  call('router.set', { name: 'home', ips: ['203.0.113.20'] });
  const ext = await call('natpmp.external', { host: 'alice' }) as { external: string; epoch: number };
  assert.deepEqual([ext.external, ext.epoch], ['203.0.113.20', 0]);
  assert.equal((call('natpmp.show', { router: 'home' }) as { mappings: number }).mappings, 0, 'the new address starts an empty table');
  await call('natpmp.request', { host: 'alice', protocol: 'udp', port: 5000 });
  call('natpmp.reset', { router: 'home' });
  assert.equal((call('natpmp.show', { router: 'home' }) as { mappings: number }).mappings, 0);
  call('natpmp.disable', { router: 'home' });
  await assert.rejects(Promise.resolve().then(() => call('natpmp.external', { host: 'alice' })), { code: 'ECONNREFUSED' });
  assert.deepEqual((call('natpmp.ls', {}) as { router: string }[]).map((i) => i.router), ['office']);
  s.close();
});

test('Conn and the client over a real node:dgram socket on loopback, and deliver() for a socket the caller reads', async () => {
  const server = dgram.createSocket('udp4');
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  try {
    // A fake gateway on a real socket: answers the external address request.
    server.on('message', (m, rinfo) => {
      if (m.length === 2) server.send(Uint8Array.of(0, 0x80, 0, 0, 0, 0, 0, 7, 203, 0, 113, 10), rinfo.port, rinfo.address);
    });
    const other: string[] = [];
    // The application reads the socket; NAT-PMP goes to the Conn, the rest stays its own.
    const conn = new Conn(sock, { read: false });
    sock.on('message', (m, rinfo) => {
      if (probablyNatPmp(m)) conn.deliver(m, rinfo);
      else other.push(m.toString());
    });
    await conn.send({ type: 'external-address-request' }, { address: '127.0.0.1', port: server.address().port });
    const got = await conn.receive();
    assert.deepEqual(got.message, { type: 'external-address-response', result: 0, epoch: 7, externalAddress: 0xcb00710a });
    assert.equal(conn.deliver(Uint8Array.of(9, 9, 9), got.from), false, 'not NAT-PMP or PCP');
    assert.equal(conn.rejected, 1);
    server.send('wireguard-ish', sock.address().port, '127.0.0.1');
    // The client matches answers from the gateway address and port 5351 only: point it at a real 127.0.0.x:5351 we cannot bind, so use a short schedule to see it give up.
    const client = new PortMappingClient(conn, '127.0.0.1', { natPmpInitialMs: 5, natPmpTries: 2 });
    await assert.rejects(client.externalAddress(), { code: 'ETIMEDOUT' });
    assert.deepEqual(other, ['wireguard-ish']);
    conn.close();
    await assert.rejects(conn.receive(), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
  } finally {
    server.close();
    sock.close();
  }
});
