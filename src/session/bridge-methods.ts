// The session's bridge methods: real servers proxied in (proxy.*) and real clients mapped in (map.*).
import { invalid } from '../engine/errors.js';
import type { Bridge } from '../bridge/index.js';
import type { Method } from './session.js';

function str(p: Record<string, unknown>, key: string, example: string): string {
  const v = p[key];
  if (typeof v !== 'string' || v === '') throw invalid(`missing ${key}, e.g. ${example}`);
  return v;
}

function id(p: Record<string, unknown>, what: string): number {
  const v = typeof p.id === 'string' ? Number(p.id) : p.id;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalid(`${what} id ${JSON.stringify(p.id)} is not a whole number; \`vnet ${what} ls\` lists them`);
  return v;
}

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
