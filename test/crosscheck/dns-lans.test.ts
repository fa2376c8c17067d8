// Where the gateway DNS server meets routers with several LANs (and NAT-PMP, multicast on the same
// router): a query from a host on lan2 to lan2's gateway, port 53, is answered from that gateway with
// the names the router sees; unknown names get NXDOMAIN; the uplink address answers nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import { Network } from '../../src/engine/network.js';
import { serveDnsOnEveryRouter } from '../../src/services/dns-server.js';
import { gatewayServices } from '../../src/services/registry.js';
import type { Host } from '../../src/engine/host.js';

const query = (id: number, name: string): Buffer => dnsPacket.encode({
  type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name, class: 'IN' }] as dnsPacket.Question[],
});

/** office (NAT, 203.0.113.5, NAT-PMP, multicast) with lan 10.1.0.0/24 (a) and lan2 10.2.0.0/24 gateway .254 (b); server outside. */
function office(): Network {
  const net = new Network({ clock: 'virtual', seed: 9 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'office', parent: 'internet', cidr: '10.1.0.0/24', ips: ['203.0.113.5'], nat: 'port-restricted', multicast: { forwarding: true } });
  net.addLan({ router: 'office', cidr: '10.2.0.0/24', gateway: '10.2.0.254' });
  net.addHost({ name: 'a', router: 'office' });
  net.addHost({ name: 'b', router: 'office', lan: 'lan2' });
  net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  net.addName('web.example', '198.51.100.8');
  net.addName('intranet.office', '10.1.0.80', 'office');
  gatewayServices(net).enableNatPmp('office', { pcp: true });
  serveDnsOnEveryRouter(net);
  return net;
}

/** Asks `to`:53 from `host` for each name; "FROM RCODE ANSWERS" per reply, in order. */
function ask(net: Network, host: Host, to: string, names: string[]): string[] {
  const sock = host.udpBind(0);
  const got: string[] = [];
  sock.on('message', (m: Buffer, r: { address: string; port: number }) => {
    const a = dnsPacket.decode(m) as dnsPacket.Packet & { rcode?: string };
    const data = (a.answers ?? []).map((x) => (x as { data?: unknown }).data).join(',');
    got.push(`${r.address}:${r.port} #${a.id} ${a.rcode} ${data}`.trim());
  });
  names.forEach((n, i) => sock.send(query(i + 1, n), 53, to));
  net.runUntilIdle();
  sock.close();
  return got;
}

test('a host on lan2 asks lan2\'s gateway: names below and above the router answered from 10.2.0.254:53, unknown ones NXDOMAIN', () => {
  const net = office();
  assert.deepEqual(ask(net, net.host('b'), '10.2.0.254', ['a', 'b', 'server', 'web.example', 'intranet.office', 'nowhere.example']), [
    '10.2.0.254:53 #1 NOERROR 10.1.0.2',
    '10.2.0.254:53 #2 NOERROR 10.2.0.1',
    '10.2.0.254:53 #3 NOERROR 198.51.100.7',
    '10.2.0.254:53 #4 NOERROR 198.51.100.8',
    '10.2.0.254:53 #5 NOERROR 10.1.0.80',
    '10.2.0.254:53 #6 NXDOMAIN',
  ]);
  // The first LAN still answers, and a host on lan2 may ask lan's gateway too (the router owns it, as Linux answers on any local address).
  assert.deepEqual(ask(net, net.host('a'), '10.1.0.1', ['b']), ['10.1.0.1:53 #1 NOERROR 10.2.0.1']);
  assert.deepEqual(ask(net, net.host('b'), '10.1.0.1', ['a']), ['10.1.0.1:53 #1 NOERROR 10.1.0.2']);
  // From outside, the uplink address is no gateway: no answer.
  assert.deepEqual(ask(net, net.host('server'), '203.0.113.5', ['a']), []);
  net.close();
});

test('a LAN added after the server started is answered on its gateway at once', () => {
  const net = office();
  net.addLan({ router: 'office', cidr: '10.3.0.0/24' });
  const c = net.addHost({ name: 'c', router: 'office', lan: 'lan3' });
  assert.deepEqual(ask(net, c, '10.3.0.1', ['web.example', 'c', 'nope']), [
    '10.3.0.1:53 #1 NOERROR 198.51.100.8', '10.3.0.1:53 #2 NOERROR 10.3.0.2', '10.3.0.1:53 #3 NXDOMAIN',
  ]);
  net.close();
});
