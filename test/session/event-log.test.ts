// The session's event log: what `vnet events` (without --follow) replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_LOG_SIZE, Session } from '../../src/session/session.js';

function replay(s: Session): { items: Record<string, unknown>[]; result: unknown } {
  const items: Record<string, unknown>[] = [];
  const result = s.call('events', {}, { signal: new AbortController().signal, emit: (e) => items.push(JSON.parse(JSON.stringify(e))) });
  return { items, result };
}

test('the event log keeps the last EVENT_LOG_SIZE events, oldest first', () => {
  const s = new Session({ clock: 'virtual', seed: 1 });
  try {
    s.net.addRouter({ name: 'internet', cidr: '198.51.100.0/24' });
    s.net.addHost({ name: 'a', router: 'internet' });
    s.net.addFilter('a/eth0', { loss: '100%' });
    const before = replay(s).items.length; // node-added, filter-added
    const sock = s.net.host('a').udpBind(4000);
    const drops = EVENT_LOG_SIZE + 5 - before;
    for (let i = 0; i < drops; i++) {
      sock.send('x', 10000 + i, '198.51.100.9');
      s.net.runDue();
    }
    const { items, result } = replay(s);
    assert.deepEqual(result, { count: EVENT_LOG_SIZE });
    assert.equal(items.length, EVENT_LOG_SIZE);
    // The first 5 events made are gone; the rest come in the order they happened.
    assert.ok(items.every((e) => e.type === 'drop'), 'only drops are left');
    const ports = items.map((e) => Number(/:(\d+) len=/.exec(String(e.packet))![1]));
    assert.equal(ports[0], 10000 + drops - EVENT_LOG_SIZE);
    assert.equal(ports.at(-1), 10000 + drops - 1);
    for (let i = 1; i < ports.length; i++) assert.equal(ports[i], ports[i - 1] + 1);
  } finally {
    s.close();
  }
});
