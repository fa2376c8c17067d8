// Maps and proxies belong to the node they live on: `host rm` and `router rm` remove them too
// (their real sockets closed) and say so; a bridge added to a virtual-clock session warns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { Session } from '../../src/session/session.js';
import { apply, BASE, ctx } from '../fixtures/topology/helpers.js';

/** Whether 127.0.0.1:port can be bound right now (so nothing holds it). */
async function portFree(port: number): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, '127.0.0.1', () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}

type Removed = { removed: string[]; maps: { id: number }[]; proxies: { id: number }[] };

test('host rm removes the host\'s maps (real socket closed) and reports them', async () => {
  const s = new Session({ clock: 'real' });
  try {
    apply(s, BASE);
    const map = (await s.call('map.add', { host: 'alice', listen: '127.0.0.1:0', remote: '198.51.100.7:7' }, ctx)) as { id: number; listenPort: number };
    const other = (await s.call('map.add', { host: 'server', listen: '127.0.0.1:0', remote: '192.0.2.1:7' }, ctx)) as { id: number };
    assert.equal(await portFree(map.listenPort), false, 'the map holds its port');
    const r = s.call('host.rm', { name: 'alice' }, ctx) as Removed;
    assert.deepEqual([r.removed, r.maps.map((m) => m.id), r.proxies], [['alice'], [map.id], []]);
    assert.deepEqual((s.call('map.ls', {}, ctx) as { id: number }[]).map((m) => m.id), [other.id], 'only the other host\'s map is left');
    assert.equal(await portFree(map.listenPort), true, 'the real socket was closed');
  } finally {
    s.close();
  }
});

test('router rm removes the maps and proxies of every node below it, proxies on the router itself too', async () => {
  const s = new Session({ clock: 'real' });
  try {
    apply(s, BASE);
    const map = (await s.call('map.add', { host: 'alice', listen: '127.0.0.1:0', remote: '198.51.100.7:7' }, ctx)) as { id: number };
    const onRouter = (await s.call('proxy.add', { real: '127.0.0.1:9', as: '192.168.1.1:53' }, ctx)) as { id: number; host: string };
    const onHost = (await s.call('proxy.add', { real: '127.0.0.1:9', as: '192.168.1.10:53' }, ctx)) as { id: number; host: string };
    const elsewhere = (await s.call('proxy.add', { real: '127.0.0.1:9', as: '198.51.100.53:53' }, ctx)) as { id: number };
    assert.deepEqual([onRouter.host, onHost.host], ['home', 'alice']);
    const r = s.call('router.rm', { name: 'home' }, ctx) as Removed;
    assert.deepEqual(r.removed, ['alice', 'home']);
    assert.deepEqual(r.maps.map((m) => m.id), [map.id]);
    assert.deepEqual(r.proxies.map((p) => p.id).sort(), [onRouter.id, onHost.id].sort());
    assert.deepEqual((s.call('proxy.ls', {}, ctx) as { id: number }[]).map((p) => p.id), [elsewhere.id]);
    assert.deepEqual(s.call('map.ls', {}, ctx), []);
  } finally {
    s.close();
  }
});

test('a map or proxy added to a virtual-clock session carries a warning; on a real clock none', async () => {
  for (const clock of ['virtual', 'real'] as const) {
    const s = new Session({ clock });
    try {
      apply(s, BASE);
      const map = (await s.call('map.add', { host: 'alice', listen: '127.0.0.1:0', remote: '198.51.100.7:7' }, ctx)) as { warnings?: string[] };
      const proxy = (await s.call('proxy.add', { real: '127.0.0.1:9', as: '198.51.100.53:53' }, ctx)) as { warnings?: string[] };
      for (const added of [map, proxy]) {
        if (clock === 'real') assert.equal(added.warnings, undefined);
        else {
          assert.equal(added.warnings?.length, 1);
          assert.match(added.warnings![0], /^this network runs on a virtual clock: .*delay.*`vnet clock advance`.*`vnet up --clock real`/);
        }
      }
      assert.ok((s.call('map.ls', {}, ctx) as object[]).every((m) => !('warnings' in m)), 'map ls has no warnings');
    } finally {
      s.close();
    }
  }
});
