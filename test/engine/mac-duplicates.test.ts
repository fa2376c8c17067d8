// Two interfaces of one LAN cannot share a MAC: host add, router add and topology files refuse
// it (EINVAL, exit 2) naming both interfaces, and change nothing. Other LANs may reuse it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveMac, formatMac } from '../../src/engine/mac.js';
import { Network } from '../../src/engine/network.js';
import { apply, errorOf, newSession, statusText } from '../fixtures/topology/helpers.js';

const MAC = '02:00:00:00:00:01';

function net(): Network {
  const n = new Network({ clock: 'virtual' });
  n.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  n.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24' });
  n.addHost({ name: 'alice', router: 'home', mac: MAC });
  return n;
}

test('host add with a MAC already on the LAN is refused, naming both interfaces', () => {
  const n = net();
  const err = errorOf(() => n.addHost({ name: 'bob', router: 'home', mac: MAC }));
  assert.equal(err.code, 'EINVAL');
  assert.equal(err.message, `MAC ${MAC} of bob/eth0 is already used by alice/eth0 on the LAN of home; give bob/eth0 another MAC`);
  assert.deepEqual(n.hosts.map((h) => h.name), ['alice'], 'bob was not added');
  assert.equal(n.addHost({ name: 'bob', router: 'home' }).addresses.length, 1, 'and its address was not kept');
});

test('the router\'s own LAN MAC and a child router\'s uplink count too; a MAC derived from a name as well', () => {
  const n = net();
  const gateway = formatMac(n.iface('home/lan').mac);
  assert.match(errorOf(() => n.addHost({ name: 'bob', router: 'home', mac: gateway })).message, /of bob\/eth0 is already used by home\/lan/);
  assert.match(errorOf(() => n.addRouter({ name: 'lab', parent: 'home', cidr: '10.0.0.0/24', mac: { uplink: MAC } })).message,
    /MAC 02:00:00:00:00:01 of lab\/uplink is already used by alice\/eth0 on the LAN of home/);
  assert.deepEqual(n.routers.map((r) => r.name), ['internet', 'home']);
  const derived = formatMac(deriveMac('carol/eth0'));
  n.addHost({ name: 'dave', router: 'home', mac: derived });
  assert.match(errorOf(() => n.addHost({ name: 'carol', router: 'home' })).message, /of carol\/eth0 is already used by dave\/eth0/);
});

test('another LAN may reuse the MAC, and a removed interface frees it', () => {
  const n = net();
  n.addHost({ name: 'server', router: 'internet', mac: MAC });
  n.remove('alice');
  n.addHost({ name: 'bob', router: 'home', mac: MAC });
  n.remove('home');
  n.addRouter({ name: 'home2', parent: 'internet', cidr: '192.168.2.0/24' });
  n.addHost({ name: 'eve', router: 'home2', mac: MAC });
});

test('a topology file with two hosts of one MAC on a LAN names the file and line, and changes nothing', () => {
  const s = newSession();
  apply(s, 'routers:\n  - { name: internet, cidr: 0.0.0.0/0 }\n');
  const before = statusText(s);
  const err = errorOf(() => apply(s, `hosts:\n  - { name: a, router: internet, mac: "${MAC}" }\n  - { name: b, router: internet, mac: "${MAC}" }\n`));
  assert.equal(err.code, 'EINVAL');
  assert.match(err.message, /^topo\.yaml:3: hosts\[1\]: MAC 02:00:00:00:00:01 of b\/eth0 is already used by a\/eth0 on the LAN of internet/);
  assert.equal(statusText(s), before);
});
