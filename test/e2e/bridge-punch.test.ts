// Hole punching with real programs: two socat peers, each mapped to a host behind its own NAT, meet
// through a rendezvous in the virtual network, end to end against real daemons.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CliSandbox, COMMAND_TIMEOUT_MS, killGroup } from './cli-helpers.js';
import { freePort, requireTool, waitFor } from './real-programs.js';

const box = new CliSandbox();
const programs: ChildProcess[] = [];
after(() => {
  for (const p of programs) killGroup(p);
  box.cleanup();
});

/** `p`, or a failure naming `what` after COMMAND_TIMEOUT_MS. */
async function withTimeout(p: Promise<void>, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${COMMAND_TIMEOUT_MS} ms waiting for ${what}`)), COMMAND_TIMEOUT_MS)));
  try {
    await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A socat peer: stdin lines go out to 127.0.0.1:mapPort from 127.0.0.1:ownPort; what comes back is on stdout. */
function socatPeer(mapPort: number, ownPort: number): { proc: ChildProcess; said: () => string; say: (line: string) => void } {
  const proc = spawn('socat', ['-', `UDP4-DATAGRAM:127.0.0.1:${mapPort},bind=127.0.0.1:${ownPort}`], { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
  programs.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, said: () => out, say: (line) => void proc.stdin!.write(`${line}\n`) };
}

/**
 * Two real socat peers, each mapped to a host behind its own NAT, register with a public rendezvous (which
 * shows their public addresses), then send to each other's public address from the same mapping.
 */
async function punch(nat: string): Promise<{ aGot: string; bGot: string; drops: number }> {
  const s = ['--session', `p2p-${nat}`];
  // The network comes from a topology file in one `up -f`: the commands themselves are tested elsewhere.
  const topo = join(box.dir, `p2p-${nat}.yaml`);
  writeFileSync(topo, [
    'routers:',
    '  - { name: internet, cidr: 0.0.0.0/0 }',
    `  - { name: nat-a, parent: internet, cidr: 192.168.1.0/24, nat: ${nat}, uplink: { ips: [203.0.113.1] } }`,
    `  - { name: nat-b, parent: internet, cidr: 192.168.2.0/24, nat: ${nat}, uplink: { ips: [203.0.113.2] } }`,
    'hosts:',
    '  - { name: a, router: nat-a }',
    '  - { name: b, router: nat-b }',
    '  - { name: rendezvous, router: internet, ips: [198.51.100.1] }',
    '',
  ].join('\n'));
  await box.ok(['up', '-f', topo, '--clock', 'virtual', ...s]);
  try {
    const rendezvous = box.spawn(['listen', 'rendezvous:3478', '--count', '2', '--json', ...s]);
    const seen = box.finish(rendezvous, ['listen', 'rendezvous:3478']);
    await new Promise<void>((resolve) => rendezvous.stderr!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()));
    const [pa, pb, ra, rb] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const [mapA, mapB] = await Promise.all([
      box.json<{ id: number }>(['map', 'add', '--host', 'a', '--listen', `127.0.0.1:${pa}`, '--remote', '198.51.100.1:3478', ...s]),
      box.json<{ id: number }>(['map', 'add', '--host', 'b', '--listen', `127.0.0.1:${pb}`, '--remote', '198.51.100.1:3478', ...s]),
    ]);
    const a = socatPeer(pa, ra);
    const b = socatPeer(pb, rb);
    a.say('register a');
    b.say('register b');
    const reg = (await seen).stdout.trim().split('\n').map((l) => JSON.parse(l) as { from: string; data: string });
    const pub = (who: string): string => reg.find((x) => x.data.startsWith(`register ${who}`))!.from;
    await Promise.all([
      box.ok(['map', 'set', String(mapA.id), '--remote', pub('b'), ...s]),
      box.ok(['map', 'set', String(mapB.id), '--remote', pub('a'), ...s]),
    ]);
    // NAT drops are awaited as they are reported (events --follow), not polled for.
    const follower = box.spawn(['events', '--follow', '--json', ...s]);
    const followed = box.finish(follower, ['events', '--follow']);
    let events = '';
    const natDrops = (): number => events.split('\n').filter((l) => l.includes('"drop"') && l.includes('"reason":"nat-')).length;
    const twoDrops = new Promise<void>((resolve) => follower.stdout!.on('data', (d: Buffer) => {
      events += d.toString();
      if (natDrops() >= 2) resolve();
    }));
    await new Promise<void>((resolve) => follower.stdout!.once('data', () => resolve())); // the backlog is out: subscribed
    b.say('punch from b');
    a.say('hello from a');
    await box.run(['send', 'rendezvous', '198.51.100.1:9', ...s]); // one more round trip through the daemon: the punches are done
    try {
      if (nat === 'full-cone') await waitFor(() => a.said().includes('punch from b') && b.said().includes('hello from a'), 'both peers to hear each other', COMMAND_TIMEOUT_MS, 50);
      else await withTimeout(twoDrops, 'both NATs to drop the other peer\'s packet');
    } finally {
      follower.kill('SIGINT');
      await followed;
    }
    return { aGot: a.said(), bGot: b.said(), drops: natDrops() };
  } finally {
    await box.run(['down', ...s]);
  }
}

test('two real socat peers behind full-cone NATs talk through a rendezvous; behind symmetric NATs they cannot', async () => {
  requireTool('socat', 'socat');
  const [cone, symmetric] = await Promise.all([punch('full-cone'), punch('symmetric')]); // two sessions side by side
  assert.match(cone.aGot, /punch from b/);
  assert.match(cone.bGot, /hello from a/);
  assert.equal(symmetric.aGot, '');
  assert.equal(symmetric.bGot, '');
  assert.ok(symmetric.drops >= 2, 'each NAT dropped the other peer\'s packet (APD filtering)');
});
