// The session's bridge methods: real servers proxied in (proxy.*) and real clients mapped in (map.*).
import type { Bridge } from '../bridge/index.js';
import { id, str } from './params.js';
import type { Method } from './session.js';

export function bridgeMethods(bridge: Bridge): Record<string, Method> {
  return {
    'proxy.add': (p) => bridge.addProxy({
      real: str(p, 'real', '127.0.0.1:5353'),
      as: str(p, 'as', '198.51.100.53:53'),
      ...(typeof p.router === 'string' ? { router: p.router } : {}),
    }),
    'proxy.ls': () => bridge.listProxies(),
    'proxy.rm': (p) => bridge.removeProxy(id(p, 'proxy')),
    'map.add': (p) => bridge.addMap({
      host: str(p, 'host', 'alice'),
      listen: str(p, 'listen', '127.0.0.1:4000'),
      remote: str(p, 'remote', '198.51.100.7:7'),
      ...(p.port !== undefined ? { port: Number(p.port) } : {}),
      ...(p.allowRemote ? { allowRemote: true } : {}),
    }),
    'map.ls': () => bridge.listMaps(),
    'map.set': (p) => bridge.setMapRemote(id(p, 'map'), str(p, 'remote', '203.0.113.20:6000')),
    'map.rm': (p) => bridge.removeMap(id(p, 'map')),
  };
}
