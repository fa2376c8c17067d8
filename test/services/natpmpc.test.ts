// A real NAT-PMP client, Debian's natpmpc (libnatpmp), against the virtual gateway through `vnet map`:
// the map's local end (127.x.y.z:5351) stands in for the gateway, so `natpmpc -g 127.x.y.z` sends to
// it, the datagrams leave virtual alice for 192.168.1.1:5351, and the answers come back from the
// address natpmpc sent to (libnatpmp connects its socket and takes replies only from the gateway).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Session } from '../../src/session/session.js';
import type { MappingView } from '../../src/engine/nat/view.js';
import { requireTool } from '../e2e/real-programs.js';

/** A loopback address of this process's own, so parallel runs never share 127.x.y.z:5351. */
const GATEWAY_STANDIN = `127.${(process.pid >> 8) & 255}.${process.pid & 255}.53`;

function natpmpc(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('natpmpc', ['-g', GATEWAY_STANDIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // natpmpc gives up by itself after libnatpmp's retries (about 2 minutes); never wait that long here.
    const timer = setTimeout(() => p.kill('SIGKILL'), 15_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test('natpmpc through vnet map gets the external address and a mapping; the outside then reaches alice through it', async () => {
  requireTool('natpmpc', 'natpmpc', '-h');
  const s = new Session({ clock: 'real', seed: 3 });
  const ctx = { signal: new AbortController().signal, emit: () => {} };
  try {
    s.call('router.add', { name: 'internet', cidr: '0.0.0.0/0' }, ctx);
    s.call('router.add', { name: 'home', parent: 'internet', cidr: '192.168.1.0/24', uplink: { ips: ['203.0.113.10'] } }, ctx);
    s.call('host.add', { name: 'alice', router: 'home', ips: ['192.168.1.2'] }, ctx);
    s.call('host.add', { name: 'server', router: 'internet', ips: ['198.51.100.7'] }, ctx);
    s.call('natpmp.enable', { router: 'home' }, ctx);
    await s.call('map.add', { host: 'alice', listen: `${GATEWAY_STANDIN}:5351`, remote: '192.168.1.1:5351', port: 4000 }, ctx);

    const ext = await natpmpc([]);
    assert.equal(ext.code, 0, ext.out);
    assert.match(ext.out, /Public IP address : 203\.0\.113\.10/);

    const add = await natpmpc(['-a', '40000', '5000', 'udp', '3600']);
    assert.equal(add.code, 0, add.out);
    assert.match(add.out, /Mapped public port 40000 protocol UDP to local port 5000 liftime 3600/, 'natpmpc spells it "liftime"');
    const mappings = (s.call('nat.show', { router: 'home' }, ctx) as { mappings: MappingView[] }).mappings.filter((m) => m.requested);
    assert.deepEqual(mappings.map((m) => [m.internal, m.external, m.requested]), [['192.168.1.2:5000', '203.0.113.10:40000', 'natpmp']]);

    // The outside reaches alice:5000 through the mapping natpmpc asked for (port-restricted NAT: only through it).
    const alice = s.net.host('alice').udpBind(5000);
    const got: string[] = [];
    alice.on('message', (m: Buffer, r: { address: string }) => got.push(`${m} from ${r.address}`));
    s.net.host('server').udpBind(7000).sendBytes(Buffer.from('hello alice'), 40000, '203.0.113.10');
    const deadline = Date.now() + 3000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(got, ['hello alice from 198.51.100.7']);

    const del = await natpmpc(['-a', '40000', '5000', 'udp', '0']);
    assert.equal(del.code, 0, del.out);
    assert.equal((s.call('nat.show', { router: 'home' }, ctx) as { mappings: MappingView[] }).mappings.filter((m) => m.requested).length, 0);
  } finally {
    s.close();
  }
});
