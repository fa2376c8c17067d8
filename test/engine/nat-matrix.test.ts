// RFC 4787 behaviour through real routers: the nine mapping x filtering pairs
// of nat-behaviour.md §11, observed from the outside as a peer would see them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, natNetwork } from '../helpers.js';
import type { Behavior } from '../../src/engine/nat/config.js';

interface Row {
  mapping: Behavior;
  filtering: Behavior;
  sameForOtherHost: boolean; // A
  sameForOtherPort: boolean; // B
  unsolicitedAllowed: boolean; // C
  otherPortAllowed: boolean; // D
}

const rows: Row[] = [
  { mapping: 'ei', filtering: 'ei', sameForOtherHost: true, sameForOtherPort: true, unsolicitedAllowed: true, otherPortAllowed: true },
  { mapping: 'ei', filtering: 'ad', sameForOtherHost: true, sameForOtherPort: true, unsolicitedAllowed: false, otherPortAllowed: true },
  { mapping: 'ei', filtering: 'apd', sameForOtherHost: true, sameForOtherPort: true, unsolicitedAllowed: false, otherPortAllowed: false },
  { mapping: 'ad', filtering: 'ei', sameForOtherHost: false, sameForOtherPort: true, unsolicitedAllowed: true, otherPortAllowed: true },
  { mapping: 'ad', filtering: 'ad', sameForOtherHost: false, sameForOtherPort: true, unsolicitedAllowed: false, otherPortAllowed: true },
  { mapping: 'ad', filtering: 'apd', sameForOtherHost: false, sameForOtherPort: true, unsolicitedAllowed: false, otherPortAllowed: false },
  { mapping: 'apd', filtering: 'ei', sameForOtherHost: false, sameForOtherPort: false, unsolicitedAllowed: true, otherPortAllowed: true },
  { mapping: 'apd', filtering: 'ad', sameForOtherHost: false, sameForOtherPort: false, unsolicitedAllowed: false, otherPortAllowed: true },
  { mapping: 'apd', filtering: 'apd', sameForOtherHost: false, sameForOtherPort: false, unsolicitedAllowed: false, otherPortAllowed: false },
];

/** x:4000 sends to y1:7000 and returns the network and the external port y1 saw. */
function firstContact(row: Row) {
  const net = natNetwork({ mapping: row.mapping, filtering: row.filtering });
  const x = net.host('x').udpBind(4000);
  const y1a = net.host('y1').udpBind(7000);
  const y1b = net.host('y1').udpBind(7001);
  const y2 = net.host('y2').udpBind(7000);
  const z = net.host('z').udpBind(9000);
  const atX = collect(x, net);
  const atY1a = collect(y1a, net);
  x.send('hello', 7000, '198.51.100.1');
  net.runUntilIdle();
  assert.equal(atY1a.length, 1, 'first datagram reaches y1');
  assert.equal(atY1a[0].from, '203.0.113.1', 'source is the NAT external address');
  return { net, x, y1a, y1b, y2, z, atX, external: atY1a[0].port };
}

for (const row of rows) {
  const name = `${row.mapping.toUpperCase()}M + ${row.filtering.toUpperCase()}F`;

  test(`${name}: A, same external port toward another host = ${row.sameForOtherHost}`, () => {
    const c = firstContact(row);
    const atY2 = collect(c.y2, c.net);
    c.x.send('a', 7000, '198.51.100.2');
    c.net.runUntilIdle();
    assert.equal(atY2.length, 1);
    assert.equal(atY2[0].port === c.external, row.sameForOtherHost, `got port ${atY2[0].port}, first mapping ${c.external}`);
  });

  test(`${name}: B, same external port toward another port of the same host = ${row.sameForOtherPort}`, () => {
    const c = firstContact(row);
    const atY1b = collect(c.y1b, c.net);
    c.x.send('b', 7001, '198.51.100.1');
    c.net.runUntilIdle();
    assert.equal(atY1b.length, 1);
    assert.equal(atY1b[0].port === c.external, row.sameForOtherPort, `got port ${atY1b[0].port}, first mapping ${c.external}`);
  });

  test(`${name}: C, unsolicited host allowed = ${row.unsolicitedAllowed}; D, contacted host's other port allowed = ${row.otherPortAllowed}; E always`, () => {
    const c = firstContact(row);
    c.z.send('c', c.external, '203.0.113.1');
    c.net.runUntilIdle();
    assert.equal(c.atX.some((r) => r.data === 'c'), row.unsolicitedAllowed, 'C');
    c.y1b.send('d', c.external, '203.0.113.1');
    c.net.runUntilIdle();
    assert.equal(c.atX.some((r) => r.data === 'd'), row.otherPortAllowed, 'D');
    c.y1a.send('e', c.external, '203.0.113.1');
    c.net.runUntilIdle();
    const e = c.atX.find((r) => r.data === 'e');
    assert.ok(e, 'E: the contacted endpoint always gets through');
    assert.equal(`${e.from}:${e.port}`, '198.51.100.1:7000');
    const uplink = c.net.iface('home/uplink').stats;
    const dropped = uplink.drops.get('nat-filtered') ?? 0;
    assert.equal(dropped, Number(!row.unsolicitedAllowed) + Number(!row.otherPortAllowed), 'filtered inbound drops counted');
  });
}

test('presets map to RFC 4787 pairs', () => {
  const cases: [string, Behavior, Behavior][] = [
    ['full-cone', 'ei', 'ei'], ['restricted-cone', 'ei', 'ad'], ['port-restricted', 'ei', 'apd'], ['symmetric', 'apd', 'apd'],
  ];
  for (const [preset, mapping, filtering] of cases) {
    const net = natNetwork(preset);
    const cfg = net.router('home').natConfig!;
    assert.equal(`${cfg.mapping}/${cfg.filtering}`, `${mapping}/${filtering}`, preset);
  }
});
