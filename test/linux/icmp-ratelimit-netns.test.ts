// Linux's ICMP error rate limit beside vnet's: 20 UDP datagrams 25 ms apart to a port nobody listens
// on, counted as port unreachables the receiving namespace sent (Icmp OutDestUnreachs in /proc/net/snmp).
// Real time (about 1 s); the namespaces are removed whatever the outcome.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Network } from '../../src/engine/network.js';
import { ICMP_DEST_UNREACHABLE } from '../../src/wire/packet.js';
import { B_IP, makeNetnsPair, type NetnsPair } from './netns-pair.js';

// 20 datagrams to B_IP:9, 25 ms apart (all within half a second, so a busy machine's late timers
// still keep them inside 1 s), from one socket; prints the ms between the first and the last.
const SENDER = `
const s = require('node:dgram').createSocket('udp4');
const start = Date.now();
let n = 0;
const next = () => {
  s.send('probe', 9, process.argv[1]);
  if (++n < 20) return setTimeout(next, Math.max(0, start + n * 25 - Date.now()));
  console.log(Date.now() - start);
  setTimeout(() => s.close(), 200);
};
next();`;

/** Icmp OutDestUnreachs of the namespace. */
function destUnreachsSent(pair: NetnsPair, ns: string): number {
  const lines = pair.run(ns, ['cat', '/proc/net/snmp']).split('\n').filter((l) => l.startsWith('Icmp:'));
  const [names, values] = lines.map((l) => l.trim().split(/\s+/));
  const i = names.indexOf('OutDestUnreachs');
  if (i < 0) throw new Error('/proc/net/snmp has no Icmp OutDestUnreachs');
  return Number(values[i]);
}

/** The same in vnet, on the virtual clock. */
function vnetErrors(): number {
  const net = new Network({ clock: 'virtual' });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addHost({ name: 'a', router: 'internet', ips: ['10.9.0.1'] });
  net.addHost({ name: 'b', router: 'internet', ips: ['10.9.0.2'] });
  let errors = 0;
  net.host('a').onIcmp((m) => {
    if (m.type === ICMP_DEST_UNREACHABLE) errors++;
  });
  const s = net.host('a').udpBind(0);
  for (let i = 0; i < 20; i++) {
    s.send('probe', 9, '10.9.0.2');
    net.advance('25ms');
  }
  net.runUntilIdle();
  return errors;
}

let pair: NetnsPair | undefined;
after(() => pair?.remove());

test('Linux and vnet answer 20 datagrams to a closed port within 1 s with the same number of port unreachables', async () => {
  pair = makeNetnsPair('icmp');
  const before = destUnreachsSent(pair, pair.b);
  const spanMs = Number((await pair.node(pair.a, SENDER, [B_IP]).output(10_000)).trim());
  assert.ok(spanMs < 1000, `the 20 datagrams took ${spanMs} ms to send, not under 1 s: the machine is too busy to measure`);
  const linux = destUnreachsSent(pair, pair.b) - before;
  assert.equal(linux, 6, `Linux sent ${linux} port unreachables for 20 datagrams in 1 s, want 6`);
  assert.equal(vnetErrors(), linux);
});
