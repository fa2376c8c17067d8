// Names: registered per router, visible to hosts below it; host names automatic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../../src/engine/network.js';
import { formatIpv4 } from '../../src/wire/addr.js';
import { collect } from '../helpers.js';

function net3(): Network {
  const net = new Network({ clock: 'virtual' });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24' });
  net.addRouter({ name: 'office', parent: 'internet', cidr: '10.0.0.0/24' });
  net.addHost({ name: 'alice', router: 'home' });
  net.addHost({ name: 'bob', router: 'office' });
  net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  return net;
}

test('a name on the root is visible everywhere; a name on a router only below it', () => {
  const net = net3();
  net.addName('server.example', '198.51.100.7');
  net.addName('printer.home', '192.168.1.50', 'home');
  assert.equal(formatIpv4(net.host('alice').resolve('server.example')), '198.51.100.7');
  assert.equal(formatIpv4(net.host('bob').resolve('SERVER.example.')), '198.51.100.7', 'case and trailing dot ignored');
  assert.equal(formatIpv4(net.host('alice').resolve('printer.home')), '192.168.1.50');
  assert.throws(() => net.host('bob').resolve('printer.home'), /not known below router office/);
});

test('a lower router shadows a higher one (split horizon)', () => {
  const net = net3();
  net.addName('app.example', '198.51.100.7');
  net.addName('app.example', '192.168.1.9', 'home');
  assert.equal(formatIpv4(net.host('alice').resolve('app.example')), '192.168.1.9');
  assert.equal(formatIpv4(net.host('bob').resolve('app.example')), '198.51.100.7');
});

test('host names resolve automatically for hosts on the same router and below', () => {
  const net = net3();
  assert.equal(formatIpv4(net.host('alice').resolve('server')), '198.51.100.7');
  assert.throws(() => net.host('bob').resolve('alice'), /not known/, 'a private address is not visible from another site');
  net.remove('server');
  assert.throws(() => net.host('alice').resolve('server'), /not known/);
});

test('sockets send to names', () => {
  const net = net3();
  net.addName('server.example', '198.51.100.7');
  const got = collect(net.host('server').udpBind(53), net);
  net.host('alice').udpBind(0).send('q', 53, 'server.example');
  net.runUntilIdle();
  assert.equal(got.length, 1);
});

test('bad names and addresses are refused', () => {
  const net = net3();
  assert.throws(() => net.addName('bad name', '1.2.3.4'), /not a valid host name/);
  assert.throws(() => net.addName('ok.example', '1.2.3'), /not an IPv4 address/);
  assert.deepEqual(net.names().filter((r) => !r.auto), []);
});
