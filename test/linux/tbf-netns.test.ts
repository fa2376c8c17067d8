// tc tbf in a Linux namespace beside vnet's token bucket: 4mbit, burst 32kb, 100-byte UDP payloads.
// Real time (about 5 s); the namespaces are removed whatever the outcome.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { vnetTbf4mbitPacketsPerSecond } from '../engine/filters/tbf-linux.js';
import { B_IP, makeNetnsPair, type NetnsPair } from './netns-pair.js';

// Counts datagrams on B_IP:5000; prints the rate between 1 s and 4 s after the first, then exits.
const RECEIVER = `
const s = require('node:dgram').createSocket('udp4');
const times = [];
s.on('message', () => times.push(Number(process.hrtime.bigint() / 1000n)));
s.bind(5000, process.argv[1], () => console.log('ready'));
setTimeout(() => {
  const t0 = times[0] ?? 0;
  const n = times.filter((t) => t >= t0 + 1e6 && t < t0 + 4e6).length;
  console.log(JSON.stringify({ received: times.length, perSecond: n / 3 }));
  process.exit(0);
}, 5500);`;

// Sends 100-byte payloads to B_IP:5000 for 5 s, one send after the other (the kernel holds it back when
// the qdisc and the socket buffer are full).
const SENDER = `
const s = require('node:dgram').createSocket('udp4');
const payload = Buffer.alloc(100, 120);
const end = Date.now() + 5000;
let sent = 0;
const next = () => {
  if (Date.now() >= end) { console.log(JSON.stringify({ sent })); return s.close(); }
  s.send(payload, 5000, process.argv[1], (err) => { if (err) throw err; sent++; next(); });
};
next();`;

let pair: NetnsPair | undefined;
after(() => pair?.remove());

test('Linux tc tbf 4mbit and vnet deliver the same datagrams per second (within 2 %)', async () => {
  pair = makeNetnsPair('tbf');
  pair.run(pair.a, ['tc', 'qdisc', 'add', 'dev', 'va', 'root', 'tbf', 'rate', '4mbit', 'burst', '32kb', 'latency', '400ms']);
  const receiver = pair.node(pair.b, RECEIVER, [B_IP]);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('receiver not ready after 5 s')), 5000);
    receiver.child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const sender = pair.node(pair.a, SENDER, [B_IP]);
  const [got] = await Promise.all([receiver.output(15_000), sender.output(15_000)]);
  const linux = JSON.parse(got.trim().split('\n').pop()!) as { received: number; perSecond: number };
  const vnet = vnetTbf4mbitPacketsPerSecond();
  const off = Math.abs(vnet / linux.perSecond - 1);
  assert.ok(linux.perSecond > 3000, `Linux delivered only ${linux.perSecond} datagrams/s; the sender did not keep the bucket busy`);
  assert.ok(off < 0.02, `vnet ${vnet.toFixed(1)} datagrams/s, Linux ${linux.perSecond.toFixed(1)}: ${(off * 100).toFixed(2)} % apart`);
});
