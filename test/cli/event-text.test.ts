// The one line each network event prints as, in `vnet events` and in the REPL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chalk } from 'chalk';
import { eventText } from '../../src/cli/event-text.js';
import { describeLiveEvent } from '../../src/repl/live-events.js';
import type { NetworkEvent } from '../../src/engine/events.js';

const plain = new Chalk({ level: 0 });

test('every event type has its own line', () => {
  const cases: [NetworkEvent, string][] = [
    [{ type: 'mapping-created', time: 0, router: 'home', proto: 'udp', internal: '192.168.1.2:5000', external: '203.0.113.10:49152', remote: '198.51.100.7:7' },
      'mapping-created home udp 192.168.1.2:5000 -> 203.0.113.10:49152 (198.51.100.7:7)'],
    [{ type: 'mapping-refused', time: 0, router: 'home', proto: 'udp', internal: '192.168.1.2:5000', external: '-', reason: 'nat-port-exhausted' },
      'mapping-refused home udp 192.168.1.2:5000 -> -: nat-port-exhausted'],
    [{ type: 'node-added', time: 0, kind: 'host', name: 'alice' }, 'node-added host alice'],
    [{ type: 'filter-changed', time: 0, id: 3, iface: 'alice/eth0', direction: 'egress' }, 'filter-changed 3 on alice/eth0'],
    [{ type: 'capture-failed', time: 0, id: 2, error: 'capture 2 stopped: writing x.pcap failed with ENOSPC' },
      'capture-failed 2: capture 2 stopped: writing x.pcap failed with ENOSPC'],
    [{ type: 'error', time: 0, message: 'timer failed' }, 'error timer failed'],
  ];
  for (const [e, line] of cases) assert.equal(eventText(e, plain), line);
});

test('a drop names its reason, interface and packet; colour only when asked', () => {
  const drop = JSON.parse('{"type":"drop","time":1500000000,"iface":"a/eth0","reason":"loss","packet":"UDP 1.0.0.2:1 → 1.0.0.3:2 len=29 ttl=64"}') as NetworkEvent;
  assert.equal(eventText(drop, plain), 'drop loss at a/eth0: UDP 1.0.0.2:1 → 1.0.0.3:2 len=29 ttl=64');
  assert.equal(describeLiveEvent(drop), '[1.5s] drop loss at a/eth0: UDP 1.0.0.2:1 → 1.0.0.3:2 len=29 ttl=64');
  assert.ok(describeLiveEvent(drop, true)!.includes('\u001b[31mdrop\u001b[39m'), 'drop in red');
  assert.equal(describeLiveEvent({ type: 'node-added', time: 0, kind: 'host', name: 'a' }), undefined, 'the REPL shows mappings and drops only');
});
