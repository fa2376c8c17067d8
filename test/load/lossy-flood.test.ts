// Load: a long flood through a 50 % loss filter, on the virtual clock, with a session that logs
// every event and a follower (`vnet events --follow`) that reads each drop's text. Memory must stay
// bounded: every drop makes an event, and nothing may keep them (the log is a ring of 1000).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Session } from '../../src/session/session.js';

/** Datagrams sent (VNET_LOAD_DATAGRAMS for longer runs). */
const DATAGRAMS = Number(process.env.VNET_LOAD_DATAGRAMS) > 0 ? Number(process.env.VNET_LOAD_DATAGRAMS) : 1_000_000;
/** Allowed growth after warm-up: heap (what the test controls) and RSS (what the machine sees). */
const MAX_HEAP_GROWTH = 16 * 1024 * 1024;
const MAX_RSS_GROWTH = 64 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function memory(): { heap: number; rss: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

test(`load: ${DATAGRAMS} datagrams through 50 % loss with events followed keep heap growth under 16 MiB and RSS under 64 MiB`, async (t) => {
  const s = new Session({ clock: 'virtual', seed: 5 });
  const abort = new AbortController();
  let events = 0;
  let textBytes = 0;
  const following = s.call('events', { follow: true }, {
    signal: abort.signal,
    emit: (e: unknown) => {
      events++;
      // What `vnet events` does with a drop: make its one-line text.
      const packet = (e as { packet?: string }).packet;
      if (packet !== undefined) textBytes += packet.length;
    },
  }) as Promise<unknown>;
  try {
    s.call('topology.apply', {
      text: `routers:
  - { name: internet, cidr: 0.0.0.0/0 }
  - { name: home, parent: internet, cidr: 192.168.1.0/24 }
hosts:
  - { name: alice, router: home }
  - { name: server, router: internet, ips: [198.51.100.7] }
filters:
  - { on: home/uplink, loss: 50% }
`,
    }, { signal: abort.signal, emit: () => {} });
    const server = s.net.host('server').udpBind(7000);
    let received = 0;
    server.on('message', () => received++);
    const alice = s.net.host('alice').udpBind(5000);
    const payload = Buffer.alloc(64, 0x61);
    const BATCH = 2000;
    let warm: { heap: number; rss: number } | null = null;
    let peak = { heap: 0, rss: 0 };
    for (let sent = 0; sent < DATAGRAMS; sent += BATCH) {
      for (let i = 0; i < BATCH; i++) alice.send(payload, 7000, '198.51.100.7');
      s.net.runUntilIdle();
      if (sent % 100_000 === 0) {
        // Let the event loop turn (sockets drain on their own turns), then measure.
        await new Promise((resolve) => setImmediate(resolve));
        if (sent === 200_000) warm = memory();
        else if (warm !== null) {
          const m = memory();
          peak = { heap: Math.max(peak.heap, m.heap), rss: Math.max(peak.rss, m.rss) };
        }
      }
    }
    s.net.runUntilIdle();
    await new Promise((resolve) => setImmediate(resolve));
    const end = memory();
    peak = { heap: Math.max(peak.heap, end.heap), rss: Math.max(peak.rss, end.rss) };
    assert.ok(warm !== null, 'the flood is longer than its warm-up');
    const lost = DATAGRAMS - received;
    assert.ok(Math.abs(lost / DATAGRAMS - 0.5) < 0.01, `about half are lost: ${lost} of ${DATAGRAMS}`);
    assert.ok(events >= lost, `every drop reached the follower (${events} events, ${lost} lost)`);
    assert.ok(textBytes > 0);
    const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    t.diagnostic(`${events} events; heap ${mib(warm.heap)} after warm-up, peak ${mib(peak.heap)}; RSS ${mib(warm.rss)}, peak ${mib(peak.rss)}`);
    assert.ok(peak.heap - warm.heap < MAX_HEAP_GROWTH, `heap grew ${mib(peak.heap - warm.heap)} after warm-up (${mib(warm.heap)} → ${mib(peak.heap)})`);
    assert.ok(peak.rss - warm.rss < MAX_RSS_GROWTH, `RSS grew ${mib(peak.rss - warm.rss)} after warm-up (${mib(warm.rss)} → ${mib(peak.rss)})`);
  } finally {
    abort.abort();
    // An aborted follow rejects with the abort's reason, as an aborted fetch does.
    await assert.rejects(following, { name: 'AbortError' });
    s.close();
  }
});
