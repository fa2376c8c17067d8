// The engine on the real clock: delays follow wall time, work drains by
// itself, and housekeeping timers do not keep the process alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../../src/engine/network.js';

test('real clock: a 30 ms delay filter delays by 30 ms of wall time (bounded wait)', async () => {
  const net = new Network({ clock: 'real' });
  try {
    net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
    net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24' });
    const a = net.addHost({ name: 'a', router: 'home' });
    const b = net.addHost({ name: 'b', router: 'internet', ips: ['198.51.100.2'] });
    net.addFilter('home/uplink', { delay: '30ms' });
    const sink = b.udpBind(7000);
    const sentAt = performance.now();
    const arrived = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no datagram within 2 s')), 2000);
      sink.once('message', () => {
        clearTimeout(timer);
        resolve(performance.now() - sentAt);
      });
    });
    a.udpBind(0).send('x', 7000, '198.51.100.2');
    const ms = await arrived;
    assert.ok(ms >= 29.5 && ms < 500, `arrived after ${ms.toFixed(2)} ms, want 30 ms`);
  } finally {
    net.close();
  }
});
