// Bad input to the bridge: each refused with the right code and a message naming the value,
// and nothing left behind (no proxy, no map, no stray host, the port free again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bridge } from '../../src/bridge/index.js';
import { homeNetwork, startEcho } from './real-programs.js';

const proxyCases: { name: string; opts: { real: string; as: string; router?: string }; code: string; message: RegExp }[] = [
  { name: 'real server off loopback', opts: { real: '10.0.0.1:53', as: '198.51.100.53:53' }, code: 'EINVAL', message: /not on loopback/ },
  { name: 'real server without a port', opts: { real: '127.0.0.1', as: '198.51.100.53:53' }, code: 'EINVAL', message: /ADDRESS:PORT/ },
  { name: 'real server port out of range', opts: { real: '127.0.0.1:70000', as: '198.51.100.53:53' }, code: 'EINVAL', message: /port 70000/ },
  { name: 'virtual address not an address', opts: { real: '127.0.0.1:53', as: 'nowhere:53' }, code: 'EINVAL', message: /IPv4 address/ },
  { name: 'virtual port 0', opts: { real: '127.0.0.1:53', as: '198.51.100.53:0' }, code: 'EINVAL', message: /port 0/ },
  { name: 'virtual loopback', opts: { real: '127.0.0.1:53', as: '127.0.0.1:53' }, code: 'EINVAL', message: /unicast/ },
  { name: 'unknown router', opts: { real: '127.0.0.1:53', as: '198.51.100.53:53', router: 'attic' }, code: 'ENOTFOUND', message: /attic/ },
  { name: 'address outside the router', opts: { real: '127.0.0.1:53', as: '198.51.100.53:53', router: 'home' }, code: 'EINVAL', message: /192\.168\.1\.0\/24/ },
  { name: 'virtual port in use', opts: { real: '127.0.0.1:53', as: '198.51.100.7:9000' }, code: 'EADDRINUSE', message: /198\.51\.100\.7:9000/ },
];

test('addProxy refuses bad input and leaves nothing behind', async () => {
  const net = homeNetwork();
  net.host('server').udpBind(9000);
  const bridge = new Bridge(net);
  const hostsBefore = net.hosts.map((h) => h.name).sort();
  try {
    for (const c of proxyCases) {
      await assert.rejects(bridge.addProxy(c.opts), (err: Error & { code?: string }) => {
        assert.equal(err.code, c.code, `${c.name}: got ${err.code} (${err.message}), want ${c.code}`);
        assert.match(err.message, c.message, c.name);
        return true;
      });
    }
    assert.deepEqual(bridge.listProxies(), []);
    assert.deepEqual(net.hosts.map((h) => h.name).sort(), hostsBefore);
  } finally {
    await bridge.close();
    net.close();
  }
});

test('addMap refuses a port in use, non-loopback listening, unknown hosts and names, bad addresses', async () => {
  const net = homeNetwork();
  const bridge = new Bridge(net);
  const busy = await startEcho();
  try {
    const cases: { name: string; opts: Parameters<Bridge['addMap']>[0]; code: string; message: RegExp }[] = [
      { name: 'port in use', opts: { host: 'alice', listen: `127.0.0.1:${busy.port}`, remote: 'server:53' }, code: 'EADDRINUSE', message: new RegExp(`127\\.0\\.0\\.1:${busy.port} is already in use.*listen port`) },
      { name: 'non-loopback listen', opts: { host: 'alice', listen: '0.0.0.0:0', remote: 'server:53' }, code: 'EINVAL', message: /allow remote/ },
      { name: 'unknown host', opts: { host: 'mallory', listen: '127.0.0.1:0', remote: 'server:53' }, code: 'ENOTFOUND', message: /mallory/ },
      { name: 'unknown remote name', opts: { host: 'alice', listen: '127.0.0.1:0', remote: 'nosuch.example:53' }, code: 'ENOTFOUND', message: /nosuch/ },
      { name: 'remote without a port', opts: { host: 'alice', listen: '127.0.0.1:0', remote: 'server' }, code: 'EINVAL', message: /ADDRESS:PORT/ },
      { name: 'listen not an address', opts: { host: 'alice', listen: 'localhost:0', remote: 'server:53' }, code: 'EINVAL', message: /IPv4 address/ },
      { name: 'virtual port out of range', opts: { host: 'alice', listen: '127.0.0.1:0', remote: 'server:53', port: 65536 }, code: 'EINVAL', message: /65536/ },
    ];
    for (const c of cases) {
      await assert.rejects(bridge.addMap(c.opts), (err: Error & { code?: string }) => {
        assert.equal(err.code, c.code, `${c.name}: got ${err.code} (${err.message}), want ${c.code}`);
        assert.match(err.message, c.message, c.name);
        return true;
      });
    }
    assert.deepEqual(bridge.listMaps(), []);
    assert.deepEqual(net.host('alice').ports.sockets().length, 0, 'no virtual socket left on alice');
    assert.throws(() => bridge.removeMap(1), { code: 'ENOTFOUND' });
    assert.throws(() => bridge.setMapRemote(1, 'server:53'), { code: 'ENOTFOUND' });
    // Virtual port taken on the host: the real socket is not kept either.
    net.host('alice').udpBind(4000);
    await assert.rejects(bridge.addMap({ host: 'alice', listen: '127.0.0.1:0', remote: 'server:53', port: 4000 }), { code: 'EADDRINUSE' });
  } finally {
    await bridge.close();
    await busy.close();
    net.close();
  }
});

test('a remote listen address is taken with allowRemote, and close() is idempotent and final', async () => {
  const net = homeNetwork();
  const bridge = new Bridge(net);
  try {
    const m = await bridge.addMap({ host: 'alice', listen: '0.0.0.0:0', remote: 'server:53', allowRemote: true });
    assert.match(m.listen, /^0\.0\.0\.0:\d+$/);
  } finally {
    await bridge.close();
    await bridge.close();
  }
  await assert.rejects(bridge.addProxy({ real: '127.0.0.1:53', as: '198.51.100.53:53' }), { code: 'ESTALE' });
  assert.deepEqual([bridge.listMaps(), bridge.listProxies()], [[], []]);
  net.close();
});
