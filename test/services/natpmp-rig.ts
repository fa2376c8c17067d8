// A NAT'd LAN for the NAT-PMP/PCP tests: internet (root), home (NAT, 203.0.113.10) with alice and
// bob, and server outside; a raw socket on alice to send hand-built bytes to the gateway.
import { Network } from '../../src/engine/network.js';
import type { NetworkEvent } from '../../src/engine/events.js';
import type { NatOptions } from '../../src/engine/nat/config.js';
import type { VSocket } from '../../src/engine/socket.js';
import { gatewayServices, type NatPmpDoc } from '../../src/services/registry.js';
import { PortMappingClient, type ClientOptions } from '../../src/services/natpmp/client.js';

export const S = 1e9;
export const GATEWAY = '192.168.1.1';
export const EXTERNAL = '203.0.113.10';

export function rig(natpmp: NatPmpDoc | null = { pcp: true }, nat: NatOptions | string = 'port-restricted') {
  const net = new Network({ clock: 'virtual', seed: 7 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', ips: [EXTERNAL], nat: nat as NatOptions });
  const alice = net.addHost({ name: 'alice', router: 'home', ips: ['192.168.1.2'] });
  const bob = net.addHost({ name: 'bob', router: 'home', ips: ['192.168.1.3'] });
  const server = net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  const events: NetworkEvent[] = [];
  net.on((e) => events.push(e));
  const services = gatewayServices(net);
  if (natpmp !== null) services.enableNatPmp('home', natpmp);
  const client = (options: ClientOptions = {}, host = alice): PortMappingClient => {
    const s = host.createSocket('udp4');
    s.bindNow(0, host.ip);
    return new PortMappingClient(s, GATEWAY, { random: () => 0.5, ...options });
  };
  return { net, alice, bob, server, events, services, client };
}

/** Lets the engine run what is due now until `p` settles (no virtual time passes). */
export async function settle<T>(net: Network, p: Promise<T>): Promise<T> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | null = null;
  p.then((value) => {
    outcome = { ok: true, value };
  }, (error: unknown) => {
    outcome = { ok: false, error };
  });
  for (let i = 0; i < 1000 && outcome === null; i++) {
    net.runDue();
    await new Promise((r) => setImmediate(r));
  }
  const o = outcome as { ok: true; value: T } | { ok: false; error: unknown } | null;
  if (o === null) throw new Error('the exchange did not settle without virtual time passing');
  if (!o.ok) throw o.error;
  return o.value;
}

/** Sends raw bytes from `sock` to the gateway's 5351 and returns what comes back (null: nothing). */
export async function exchange(net: Network, sock: VSocket, bytes: Uint8Array, to = GATEWAY): Promise<Buffer | null> {
  const got: Buffer[] = [];
  const on = (m: Buffer): void => {
    got.push(m);
  };
  sock.on('message', on);
  const err = sock.sendBytes(bytes, 5351, to);
  if (err) throw err;
  for (let i = 0; i < 5; i++) {
    net.runDue();
    await new Promise((r) => setImmediate(r));
  }
  sock.removeListener('message', on);
  return got.length > 0 ? got[0] : null;
}
