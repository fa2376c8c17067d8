// The built-in default topology and the scenario `vnet demo` runs on it:
// two homes behind different NATs, a public rendezvous server, a hole-punch
// attempt, then the same attempt after one NAT is made friendlier.
import { formatIpv4 } from '../wire/addr.js';
import { Network } from '../engine/network.js';
import type { Host } from '../engine/host.js';
import { formatDuration } from '../engine/units.js';

export interface DemoLine {
  kind: 'title' | 'info' | 'ok' | 'fail' | 'table';
  text: string;
}

/** Builds the default topology on a fresh network (virtual clock, seed 1 unless given). */
export function buildDefaultTopology(net: Network): void {
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'home-a', parent: 'internet', cidr: '192.168.1.0/24', ips: ['203.0.113.10'], nat: 'port-restricted' });
  net.addRouter({ name: 'home-b', parent: 'internet', cidr: '10.0.0.0/24', ips: ['203.0.113.20'], nat: 'symmetric' });
  net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  net.addHost({ name: 'alice', router: 'home-a' });
  net.addHost({ name: 'bob', router: 'home-b' });
  net.addName('rendezvous.example', '198.51.100.7');
  net.addFilter('home-a/uplink', { delay: '20ms', jitter: '2ms' });
}

/** Runs the scenario and returns what happened, line by line. */
export function runDemo(seed = 1): { lines: DemoLine[]; net: Network } {
  const net = new Network({ clock: 'virtual', seed });
  buildDefaultTopology(net);
  const lines: DemoLine[] = [];
  const say = (kind: DemoLine['kind'], text: string) => lines.push({ kind, text });

  say('title', 'Topology');
  for (const r of net.routers) {
    const nat = r.natConfig ? `NAT ${r.natConfig.mapping.toUpperCase()}M/${r.natConfig.filtering.toUpperCase()}F` : 'no NAT';
    const up = r.uplink ? ` uplink ${r.uplink.addresses.map(formatIpv4).join(',')}` : '';
    say('info', `router ${r.name} ${r.cidr} gateway ${formatIpv4(r.gateway)}${up} (${nat})`);
  }
  for (const h of net.hosts) say('info', `host ${h.name} ${h.ip} on ${h.routerName}`);

  // A rendezvous server that tells each client the address it saw, and relays peers' addresses.
  const server = net.host('server');
  const seen = new Map<string, string>();
  const rv = server.udpBind(3478);
  rv.on('message', (msg: Buffer, rinfo) => {
    const from = `${rinfo.address}:${rinfo.port}`;
    seen.set(msg.toString(), from);
    rv.send(`you are ${from}`, rinfo.port, rinfo.address);
  });

  say('title', 'Clients register with rendezvous.example:3478');
  const alice = net.host('alice');
  const bob = net.host('bob');
  const sa = alice.udpBind(5000);
  const sb = bob.udpBind(5000);
  const replies: string[] = [];
  const t0 = net.now();
  let rtt = 0;
  sa.on('message', (m: Buffer) => {
    if (m.toString().startsWith('you are')) {
      replies.push(`alice <- ${m}`);
      rtt = net.now() - t0;
    }
  });
  sb.on('message', (m: Buffer) => m.toString().startsWith('you are') && replies.push(`bob   <- ${m}`));
  sa.send('alice', 3478, 'rendezvous.example');
  sb.send('bob', 3478, 'rendezvous.example');
  net.advance('1s');
  for (const r of replies) say('ok', r);
  say('info', `alice's round trip: ${formatDuration(rtt)} (20ms±2ms delay filter on home-a/uplink)`);

  const punch = (label: string) => {
    say('title', label);
    const got = { alice: 0, bob: 0 };
    const onA = (m: Buffer) => m.toString() === 'punch' && got.alice++;
    const onB = (m: Buffer) => m.toString() === 'punch' && got.bob++;
    sa.on('message', onA);
    sb.on('message', onB);
    const [aHost, aPort] = seen.get('alice')!.split(':');
    const [bHost, bPort] = seen.get('bob')!.split(':');
    for (let i = 0; i < 3; i++) {
      sa.send('punch', Number(bPort), bHost);
      sb.send('punch', Number(aPort), aHost);
      net.advance('100ms');
    }
    net.advance('1s');
    sa.off('message', onA);
    sb.off('message', onB);
    const result = (who: string, n: number) => say(n > 0 ? 'ok' : 'fail', `${who} received ${n} of 3 punches`);
    result('alice', got.alice);
    result('bob', got.bob);
    return got.alice > 0 && got.bob > 0;
  };

  const first = punch('Hole punch: alice (port-restricted) <-> bob (symmetric)');
  say('info', first ? 'direct path works' : 'no direct path: a symmetric NAT gives bob a new port per destination, so a relay (TURN) is needed');

  net.setNat('home-b', 'full-cone');
  seen.delete('bob');
  sb.send('bob', 3478, 'rendezvous.example');
  net.advance('1s');
  const second = punch('Hole punch again after home-b becomes full-cone');
  say('info', second ? 'direct path works: both NATs map endpoint-independently' : 'still no direct path');

  say('title', 'NAT tables');
  for (const r of net.routers) {
    if (!r.nat) continue;
    for (const m of r.nat.list()) {
      say('table', `${r.name}  ${m.proto} ${m.internal} -> ${m.external}${m.remote !== undefined ? ` (bound to ${m.remote})` : ''}`);
    }
  }

  say('title', 'Counters');
  for (const node of [...net.routers, ...net.hosts] as (Host | import('../engine/router.js').Router)[]) {
    for (const i of node.interfaces()) {
      const s = i.stats;
      if (s.rxPackets + s.txPackets + s.dropped === 0) continue;
      const drops = [...s.drops.entries()].map(([k, v]) => `${k}=${v}`).join(' ');
      say('table', `${i.fullName.padEnd(14)} rx ${s.rxPackets} pkts ${s.rxBytes} B  tx ${s.txPackets} pkts ${s.txBytes} B${drops ? `  drops ${drops}` : ''}`);
    }
  }
  return { lines, net };
}
