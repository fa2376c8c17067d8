// The one line each network event prints as, in `vnet events` and in the REPL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chalk } from 'chalk';
import { eventText } from '../../src/cli/event-text.js';
import { describeLiveEvent } from '../../src/repl/live-events.js';
import { eventView, type EventView } from '../../src/session/views.js';
import { Network } from '../../src/engine/network.js';

const plain = new Chalk({ level: 0 });

test('every event type has its own line', () => {
  const cases: [EventView, string][] = [
    [{ type: 'mapping-created', timeNs: 0, router: 'home', proto: 'udp', internal: '192.168.1.2:5000', external: '203.0.113.10:49152', remote: '198.51.100.7:7' },
      'mapping-created home udp 192.168.1.2:5000 -> 203.0.113.10:49152 (198.51.100.7:7)'],
    [{ type: 'mapping-refused', timeNs: 0, router: 'home', proto: 'udp', internal: '192.168.1.2:5000', external: '-', reason: 'nat-port-exhausted' },
      'mapping-refused home udp 192.168.1.2:5000 -> -: nat-port-exhausted'],
    [{ type: 'node-added', timeNs: 0, kind: 'host', name: 'alice' }, 'node-added host alice'],
    [{ type: 'filter-changed', timeNs: 0, id: 3, iface: 'alice/eth0', direction: 'egress' }, 'filter-changed 3 on alice/eth0'],
    [{ type: 'capture-failed', timeNs: 0, id: 2, error: 'capture 2 stopped: writing x.pcap failed with ENOSPC' },
      'capture-failed 2: capture 2 stopped: writing x.pcap failed with ENOSPC'],
    [{ type: 'error', timeNs: 0, message: 'timer failed' }, 'error timer failed'],
  ];
  for (const [e, line] of cases) assert.equal(eventText(e, plain), line);
});

test('a drop names its reason, interface and packet; colour only when asked', () => {
  const drop = JSON.parse('{"type":"drop","timeNs":1500000000,"iface":"a/eth0","reason":"loss","packet":"UDP 1.0.0.2:1 → 1.0.0.3:2 len=29 ttl=64"}') as EventView;
  assert.equal(eventText(drop, plain), 'drop loss at a/eth0: UDP 1.0.0.2:1 → 1.0.0.3:2 len=29 ttl=64');
  assert.equal(describeLiveEvent(drop), '[1.5s] drop loss at a/eth0: UDP 1.0.0.2:1 → 1.0.0.3:2 len=29 ttl=64');
  assert.ok(describeLiveEvent(drop, true)!.includes('\u001b[31mdrop\u001b[39m'), 'drop in red');
  assert.equal(describeLiveEvent({ type: 'node-added', timeNs: 0, kind: 'host', name: 'a' }), undefined, 'the REPL shows mappings and drops only');
});

test('events, the REPL and the clock write one moment the same exact way', async () => {
  const { describeEvent } = await import('../../commands/events.js');
  const e: EventView = { type: 'mapping-created', timeNs: 299_999_000_000, router: 'home', proto: 'udp', internal: '192.168.1.2:5000', external: '203.0.113.10:49152' };
  assert.equal(describeLiveEvent(e), '[4m59.999s] mapping-created home udp 192.168.1.2:5000 -> 203.0.113.10:49152');
  assert.equal(describeEvent(e).trim(), '4m59.999s mapping-created home udp 192.168.1.2:5000 -> 203.0.113.10:49152');
  assert.equal(describeLiveEvent({ ...e, timeNs: 0 }), '[0s] mapping-created home udp 192.168.1.2:5000 -> 203.0.113.10:49152');
  assert.equal(describeEvent({ ...e, timeNs: 0 }).trim().split(' ')[0], '0s');
});

test('eventView: the engine\'s event with timeNs for time, a drop\'s packet as text', () => {
  const net = new Network({ clock: 'virtual', seed: 1 });
  const seen: EventView[] = [];
  net.on((e) => seen.push(eventView(e)));
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  const a = net.addHost({ name: 'a', router: 'internet' });
  net.advance('1.5s');
  a.createSocket('udp4').send('x', 9, '1.0.0.99');
  net.advance('10ms');
  const json = JSON.parse(JSON.stringify(seen)) as Record<string, unknown>[];
  assert.ok(json.length >= 2, JSON.stringify(json));
  for (const e of json) {
    assert.equal(e.time, undefined, 'no time field');
    assert.equal(typeof e.timeNs, 'number');
  }
  const drop = json.find((e) => e.type === 'drop');
  assert.ok(drop, `a drop: ${JSON.stringify(json)}`);
  assert.equal(drop.timeNs, 1_500_000_000);
  assert.match(String(drop.packet), /^UDP /);
  net.close();
});
