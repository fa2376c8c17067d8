// Proxies: a real echo server (node:dgram on 127.0.0.1) reached at a virtual address from
// virtual hosts behind a NAT; distinct real sources per client; a server that is down, then up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bridge } from '../../src/index.js';
import type { IcmpNotice } from '../../src/engine/socket.js';
import { freePort, waitFor } from '../e2e/real-programs.js';
import { homeNetwork, startEcho } from './real-programs.js';

test('two virtual clients behind a symmetric NAT reach a proxied echo server as two distinct real sources', async () => {
  const net = homeNetwork('symmetric');
  const bridge = new Bridge(net);
  const echo = await startEcho();
  try {
    const info = await bridge.addProxy({ real: `127.0.0.1:${echo.port}`, as: '198.51.100.53:7' });
    assert.deepEqual([info.host, info.createdHost, info.as], ['proxy-198-51-100-53', true, '198.51.100.53:7']);
    assert.equal(net.host('proxy-198-51-100-53').routerName, 'internet');
    const alice = net.host('alice').udpBind(4000);
    const bob = net.host('bob').udpBind(4000);
    const got: string[] = [];
    alice.on('message', (m: Buffer, r) => got.push(`alice ${m} from ${r.address}:${r.port}`));
    bob.on('message', (m: Buffer, r) => got.push(`bob ${m} from ${r.address}:${r.port}`));
    alice.send('hello from alice', 7, '198.51.100.53');
    bob.send('hello from bob', 7, '198.51.100.53');
    await waitFor(() => got.length === 2, 'both echoes');
    assert.deepEqual(got.sort(), ['alice hello from alice from 198.51.100.53:7', 'bob hello from bob from 198.51.100.53:7']);
    assert.equal(echo.sources.length, 2);
    assert.notEqual(echo.sources[0], echo.sources[1], 'the server sees one real source per virtual client');
    for (const s of echo.sources) assert.match(s, /^127\.0\.0\.1:\d+$/);
    const [p] = bridge.listProxies();
    assert.deepEqual(
      [p.clients, p.packetsToReal, p.packetsFromReal, p.bytesToReal, p.bytesFromReal, p.errors],
      [2, 2, 2, 30, 30, 0],
    );
    // The NAT translated both: two mappings toward the proxy's address.
    assert.equal(net.router('home').nat!.list().length, 2);
  } finally {
    await bridge.close();
    await echo.close();
    net.close();
  }
});

test('a refused real port is counted and answered with ICMP port unreachable through the NAT; the server coming back restores traffic', async () => {
  const net = homeNetwork('port-restricted');
  const bridge = new Bridge(net);
  const port = await freePort(); // nothing listens there
  let echo = null;
  try {
    await bridge.addProxy({ real: `127.0.0.1:${port}`, as: '198.51.100.53:5300' });
    const alice = net.host('alice').udpBind(4000);
    const icmp: IcmpNotice[] = [];
    const got: string[] = [];
    alice.on('icmp', (n: IcmpNotice) => icmp.push(n));
    alice.on('message', (m: Buffer) => got.push(m.toString()));
    alice.send('anyone there?', 5300, '198.51.100.53');
    await waitFor(() => icmp.length === 1, 'the ICMP error at alice');
    assert.deepEqual(icmp[0], { type: 3, code: 3, from: '198.51.100.53', remote: { address: '198.51.100.53', family: 'IPv4', port: 5300 }, mtu: undefined });
    const down = bridge.listProxies()[0];
    assert.equal(down.errors, 1);
    assert.match(down.lastError ?? '', /ECONNREFUSED/);

    echo = await startEcho(port);
    alice.send('back?', 5300, '198.51.100.53');
    await waitFor(() => got.length === 1, 'the echo once the server is up');
    assert.deepEqual(got, ['back?']);
    assert.equal(bridge.listProxies()[0].packetsFromReal, 1);
  } finally {
    await bridge.close();
    await echo?.close();
    net.close();
  }
});

test('a client idle longer than idleTimeoutMs loses its real socket, and its next datagram opens a new one', async () => {
  const net = homeNetwork('full-cone');
  const bridge = new Bridge(net);
  const echo = await startEcho();
  try {
    await bridge.addProxy({ real: `127.0.0.1:${echo.port}`, as: '198.51.100.53:7', idleTimeoutMs: 20 });
    const alice = net.host('alice').udpBind(4000);
    let echoes = 0;
    alice.on('message', () => echoes++);
    alice.send('one', 7, '198.51.100.53');
    await waitFor(() => echoes === 1, 'the first echo');
    assert.equal(bridge.listProxies()[0].clients, 1);
    await waitFor(() => bridge.listProxies()[0].clients === 0, 'the idle client socket to close');
    alice.send('two', 7, '198.51.100.53');
    await waitFor(() => echoes === 2, 'the second echo');
    assert.equal(echo.sources.length, 2);
    assert.notEqual(echo.sources[0], echo.sources[1], 'a new real socket after the idle timeout');
  } finally {
    await bridge.close();
    await echo.close();
    net.close();
  }
});

test('a proxy reuses a host that has the address, and removing a proxy removes only a host it made', async () => {
  const net = homeNetwork();
  const bridge = new Bridge(net);
  try {
    const onServer = await bridge.addProxy({ real: '127.0.0.1:9', as: '198.51.100.7:53' });
    assert.deepEqual([onServer.host, onServer.createdHost], ['server', false]);
    const inHome = await bridge.addProxy({ real: '127.0.0.1:9', as: '192.168.1.50:53' });
    assert.deepEqual([inHome.host, inHome.createdHost], ['proxy-192-168-1-50', true]);
    assert.equal(net.host('proxy-192-168-1-50').routerName, 'home', 'the deepest router whose subnet holds the address');
    const second = await bridge.addProxy({ real: '127.0.0.1:9', as: '192.168.1.50:54' });
    assert.deepEqual([second.host, second.createdHost], ['proxy-192-168-1-50', false]);
    const onGateway = await bridge.addProxy({ real: '127.0.0.1:9', as: '192.168.1.1:53', router: 'home' });
    assert.deepEqual([onGateway.host, onGateway.createdHost], ['home', false]);
    const onUplink = await bridge.addProxy({ real: '127.0.0.1:9', as: '203.0.113.1:53' });
    assert.deepEqual([onUplink.host, onUplink.createdHost], ['home', false], 'a child router\'s uplink address is the child\'s');
    bridge.removeProxy(onUplink.id);

    bridge.removeProxy(inHome.id);
    assert.equal(net.hostNamed('proxy-192-168-1-50')?.name, 'proxy-192-168-1-50', 'still used by the second proxy');
    assert.equal(bridge.listProxies().find((p) => p.id === second.id)?.createdHost, true, 'the second proxy now owns it');
    bridge.removeProxy(second.id);
    assert.equal(net.hostNamed('proxy-192-168-1-50'), undefined);
    bridge.removeProxy(onServer.id);
    assert.equal(net.hostNamed('server')?.name, 'server', 'a reused host stays');
    assert.deepEqual(bridge.listProxies().map((p) => p.id), [onGateway.id]);
    assert.throws(() => bridge.removeProxy(onServer.id), { code: 'ENOTFOUND' });
  } finally {
    await bridge.close();
    net.close();
  }
});
