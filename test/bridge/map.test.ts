// Maps: a real client (node:dgram on 127.0.0.1) sends as a virtual host; through the NAT to a
// proxied real echo server and back; remote changes keep the NAT mapping; loss applies;
// maps and proxies come and go while traffic flows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bridge } from '../../src/bridge/index.js';
import { waitFor } from '../e2e/real-programs.js';
import { homeNetwork, startClient, startEcho } from './real-programs.js';


test('a real client mapped to a virtual host behind a NAT reaches a proxied real echo server and gets the reply', async () => {
  const net = homeNetwork('symmetric');
  const bridge = new Bridge(net);
  const echo = await startEcho();
  const client = await startClient();
  try {
    await bridge.addProxy({ real: `127.0.0.1:${echo.port}`, as: '198.51.100.53:7' });
    const map = await bridge.addMap({ host: 'alice', listen: '127.0.0.1:0', remote: '198.51.100.53:7', port: 4000 });
    assert.match(map.listen, /^127\.0\.0\.1:[1-9]\d*$/);
    assert.equal(map.listen, `127.0.0.1:${map.listenPort}`, 'listenPort is the port chosen for port 0');
    assert.deepEqual([map.virtualPort, map.client, map.remote], [4000, null, '198.51.100.53:7']);
    for (const word of ['one', 'two', 'three']) client.send(word, map.listenPort);
    await waitFor(() => client.got.length === 3, 'three echoes at the real client');
    assert.deepEqual(client.got.map((g) => g.data), ['one', 'two', 'three']);
    assert.ok(client.got.every((g) => g.from === map.listen), 'replies come from the address the client sent to');
    const [m] = bridge.listMaps();
    assert.deepEqual(
      [m.client, m.packetsIn, m.packetsOut, m.bytesIn, m.bytesOut, m.drops],
      [`127.0.0.1:${client.port}`, 3, 3, 11, 11, 0],
    );
    assert.equal(net.router('home').nat!.list()[0].internal, '192.168.1.2:4000');
  } finally {
    await bridge.close();
    await client.close();
    await echo.close();
    net.close();
  }
});

test('a name the host resolves works as the remote, and setMapRemote keeps the NAT mapping and the client', async () => {
  const net = homeNetwork('port-restricted');
  net.addHost({ name: 'other', router: 'internet', ips: ['198.51.100.8'] });
  const bridge = new Bridge(net);
  const client = await startClient();
  try {
    const seen: string[] = [];
    for (const name of ['server', 'other']) {
      const s = net.host(name).udpBind(9000);
      s.on('message', (msg: Buffer, r) => {
        seen.push(`${name} got ${msg} from ${r.address}:${r.port}`);
        s.send(`${name} says hi`, r.port, r.address);
      });
    }
    const map = await bridge.addMap({ host: 'alice', listen: '127.0.0.1:0', remote: 'server:9000' });
    client.send('first', map.listenPort);
    await waitFor(() => client.got.length === 1, 'the reply from server');
    const changed = bridge.setMapRemote(map.id, '198.51.100.8:9000');
    assert.deepEqual([changed.remote, changed.virtualPort, changed.client], ['198.51.100.8:9000', map.virtualPort, `127.0.0.1:${client.port}`]);
    client.send('second', map.listenPort);
    await waitFor(() => client.got.length === 2, 'the reply from other');
    assert.deepEqual(client.got.map((g) => g.data), ['server says hi', 'other says hi']);
    const ports = seen.map((s) => s.slice(s.lastIndexOf(':') + 1));
    assert.equal(seen.length, 2);
    assert.equal(ports[0], ports[1], `same external port for both remotes: ${seen.join('; ')}`);
    assert.equal(net.router('home').nat!.list().length, 1, 'one endpoint-independent mapping');
  } finally {
    await bridge.close();
    await client.close();
    net.close();
  }
});

test('loss 100 % on the path: nothing reaches the real server and the counters say so', async () => {
  const net = homeNetwork('full-cone');
  const bridge = new Bridge(net);
  const echo = await startEcho();
  const client = await startClient();
  try {
    await bridge.addProxy({ real: `127.0.0.1:${echo.port}`, as: '198.51.100.53:7' });
    const map = await bridge.addMap({ host: 'alice', listen: '127.0.0.1:0', remote: '198.51.100.53:7' });
    const loss = net.addFilter('home/uplink', { loss: '100%' });
    for (let i = 0; i < 5; i++) client.send(`lost ${i}`, map.listenPort);
    await waitFor(() => bridge.listMaps()[0].packetsIn === 5, 'the map to take five datagrams');
    net.runUntilIdle();
    net.removeFilter(loss.id);
    // Loopback keeps order: once this marker's echo is back, the five lost datagrams would have been seen before it.
    client.send('marker', map.listenPort);
    await waitFor(() => client.got.length === 1, 'the marker echo');
    assert.deepEqual(client.got.map((g) => g.data), ['marker']);
    assert.equal(echo.sources.length, 1, 'the server saw only the marker');
    const [m] = bridge.listMaps();
    const [p] = bridge.listProxies();
    assert.deepEqual([m.packetsIn, m.packetsOut, p.packetsToReal, p.packetsFromReal], [6, 1, 1, 1]);
    assert.equal(net.iface('home/uplink').stats.drops.get('loss'), 5);
  } finally {
    await bridge.close();
    await client.close();
    await echo.close();
    net.close();
  }
});

test('maps and proxies are added and removed while traffic flows, and the session keeps working', async () => {
  const net = homeNetwork('port-restricted');
  const bridge = new Bridge(net);
  const echo = await startEcho();
  const client = await startClient();
  try {
    const proxy = await bridge.addProxy({ real: `127.0.0.1:${echo.port}`, as: '198.51.100.53:7' });
    const first = await bridge.addMap({ host: 'alice', listen: '127.0.0.1:0', remote: '198.51.100.53:7' });
    const flood = setInterval(() => {
      for (let i = 0; i < 20; i++) client.send('x', first.listenPort);
    }, 1);
    try {
      await waitFor(() => client.got.length >= 50, 'echoes while flooding');
      const second = await bridge.addMap({ host: 'bob', listen: '127.0.0.1:0', remote: '198.51.100.53:7' });
      bridge.removeProxy(proxy.id);
      assert.equal(net.hostNamed('proxy-198-51-100-53'), undefined, 'the host the proxy made went with it');
      bridge.removeMap(first.id);
      await bridge.addProxy({ real: `127.0.0.1:${echo.port}`, as: '198.51.100.53:7' });
      const before = client.got.length;
      client.send('via bob', second.listenPort);
      await waitFor(() => client.got.some((g, i) => i >= before && g.data === 'via bob'), 'the echo through the new map and proxy');
      assert.deepEqual(bridge.listMaps().map((m) => m.id), [second.id]);
    } finally {
      clearInterval(flood);
    }
  } finally {
    await bridge.close();
    await client.close();
    await echo.close();
    net.close();
  }
});
