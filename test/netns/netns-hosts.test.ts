// Transparent hosts end to end: real programs (ping, traceroute, curl, python3's http.server, iperf3,
// dig, socat) in netns hosts through vnet's NATs, driven by the real CLI against a real daemon. Needs
// root: it fails loudly without it. Every session, namespace and process is removed in the after hook.
// Sessions' lifecycles (refusals, two sessions, kill -9) are in netns-sessions.test.ts.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CliSandbox, stderrLine, waitUntil } from '../e2e/cli-helpers.js';
import { assertTsharkClean, requireTshark, tsharkCount, tsharkFields } from '../capture/tshark.js';
import { namespaces, removeNamespaces } from './leftovers.js';

const S = ['--session', 'nn'];
let box: CliSandbox;

function nsOf(host: string, session = 'nn'): Promise<string> {
  return box.json<{ netns: string }>(['host', 'show', host, '--session', session]).then((h) => h.netns);
}

/** Runs CMD in HOST's namespace through `vnet exec` and returns the result (bounded). */
function vexec(host: string, cmd: string[], timeoutMs = 20_000): ReturnType<CliSandbox['run']> {
  return box.run(['exec', '--host', host, ...S, '--', ...cmd], { timeoutMs });
}

/** True once something in namespace `ns` listens on TCP port `port`. */
function listening(ns: string, port: number): boolean {
  return execFileSync('ip', ['netns', 'exec', ns, 'ss', '-ltnH'], { encoding: 'utf8' }).includes(`:${port} `);
}

before(async () => {
  if (process.getuid?.() !== 0) throw new Error('the netns host tests make network namespaces and TUN devices and need root (uid 0)');
  for (const tool of ['ip', 'ping', 'traceroute', 'curl', 'python3', 'iperf3', 'dig', 'socat']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is not installed; npm test installs it (scripts/test-tools.js)`);
  }
  requireTshark();
  box = new CliSandbox();
  // internet ── isp (NAT, 100.64.0.0/24) ── home (NAT, 192.168.1.0/24): alice; web and server on the internet.
  await box.ok(['up', '-f', topology('lab', `
routers:
  - { name: internet, cidr: 0.0.0.0/0 }
  - { name: isp, parent: internet, cidr: 100.64.0.0/24, uplink: { ips: [203.0.113.1] } }
  - { name: home, parent: isp, cidr: 192.168.1.0/24 }
hosts:
  - { name: alice, router: home, netns: true }
  - { name: web, router: internet, ips: [198.51.100.8], netns: true }
  - { name: server, router: internet, ips: [198.51.100.7] }
`), ...S]);
});

/** A topology file in the sandbox. */
function topology(name: string, text: string): string {
  const file = join(box.dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}


after(() => {
  box?.cleanup();
  // The daemons were killed: their namespaces are what a SIGKILL leaves. Remove ours (records in box.dir).
  removeNamespaces((ns) => ns.startsWith('vnet-nn-'));
});

test('host show names the namespace; eth0 there has the host address, the MTU and a default route via the gateway', async () => {
  const ns = await nsOf('alice');
  assert.match(ns, /^vnet-nn-alice-[0-9a-f]{4}$/);
  const addr = execFileSync('ip', ['-n', ns, '-br', 'addr', 'show', 'eth0'], { encoding: 'utf8' });
  assert.match(addr, /192\.168\.1\.2\/24/);
  assert.match(execFileSync('ip', ['-n', ns, 'link', 'show', 'eth0'], { encoding: 'utf8' }), /mtu 1500 .*state UNKNOWN|mtu 1500/);
  assert.match(execFileSync('ip', ['-n', ns, 'route'], { encoding: 'utf8' }), /default via 192\.168\.1\.1 dev eth0/);
  const ls = await box.ok(['host', 'ls', ...S]);
  assert.match(ls, new RegExp(`^alice +192\\.168\\.1\\.2 +home +${ns}$`, 'm'));
  assert.match(ls, /^server +198\.51\.100\.7 +internet +-$/m);
  assert.match(await box.ok(['host', 'show', 'alice', ...S]), new RegExp(`^  netns +${ns}  tun: \\d+ read, \\d+ written, 0 write errors`, 'm'));
});

test('ping (fragments too) and traceroute -n from a netns host through two NATs show the virtual hops and TTLs', async () => {
  const ping = await vexec('alice', ['ping', '-n', '-c', '2', '-W', '2', '198.51.100.8']);
  assert.equal(ping.code, 0, ping.stderr + ping.stdout);
  // web's kernel answers with TTL 64; isp and home each take one (the internet router switches it from
  // web to isp's uplink, both on its LAN, keeping the TTL).
  assert.match(ping.stdout, /from 198\.51\.100\.8: icmp_seq=1 ttl=62/);
  // 3000 bytes of echo data leave the kernel in fragments; the NATs reassemble and cut them again, and the
  // reply comes back the same way.
  const big = await vexec('alice', ['ping', '-n', '-c', '1', '-W', '2', '-s', '3000', '-M', 'dont', '198.51.100.8']);
  assert.equal(big.code, 0, big.stderr + big.stdout);
  assert.match(big.stdout, /3008 bytes from 198\.51\.100\.8: icmp_seq=1 ttl=62/);
  const tr = await vexec('alice', ['traceroute', '-n', '-q', '1', '-w', '2', '198.51.100.8']);
  assert.equal(tr.code, 0, tr.stderr + tr.stdout);
  const hops = tr.stdout.split('\n').slice(1).filter(Boolean).map((l) => l.trim().split(/\s+/).slice(0, 2));
  assert.deepEqual(hops.map((h) => h[1]), ['192.168.1.1', '100.64.0.1', '198.51.100.8'], tr.stdout);
});

test('a virtual vnet listen host hears socat in a netns host (through both NATs) and its echo gets back', async () => {
  const listen = box.spawn(['listen', 'server:9', '--echo', '--count', '1', '--timeout', '15s', ...S]);
  const done = box.finish(listen, ['listen']);
  await stderrLine(listen, /listening on/);
  const child = box.spawn(['exec', '--host', 'alice', ...S, '--', 'socat', '-t', '2', '-', 'UDP:198.51.100.7:9']);
  const result = box.finish(child, ['exec']);
  child.stdin!.end('hello from the kernel\n');
  const got = await result;
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stdout, 'hello from the kernel\n');
  const heard = await done;
  assert.equal(heard.code, 0, heard.stderr);
  assert.match(heard.stdout, /^203\.0\.113\.1:\d+ -> 198\.51\.100\.7:9 22 bytes: hello from the kernel/);
});

test('curl http://web:8000/ in a netns host (the name from the gateway DNS) fetches from python3 -m http.server in another across the NATs; the capture is clean', async () => {
  const file = join(box.dir, 'http.pcapng');
  await box.ok(['capture', 'start', 'home/uplink', 'web/eth0', '-w', file, ...S]);
  const web = await nsOf('web');
  box.spawn(['exec', '--host', 'web', ...S, '--', 'python3', '-m', 'http.server', '8000', '--bind', '198.51.100.8', '--directory', box.dir]);
  await waitUntil(() => listening(web, 8000), 'http.server listening in web');
  const r = await vexec('alice', ['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', 'http://web:8000/']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '200');
  await box.ok(['capture', 'stop', '--all', ...S]);
  assertTsharkClean(file);
  // The SYN as home's NAT sent it (home/uplink) and as it reached web after isp's (web/eth0).
  const syn = tsharkFields(file, ['ip.src'], 'tcp.flags.syn == 1 && tcp.flags.ack == 0').map(([src]) => src);
  assert.deepEqual(syn, ['100.64.0.2', '203.0.113.1']);
  assert.ok(tsharkCount(file, 'http.response.code == 200') >= 1);
});

test('iperf3 TCP through a NAT with 1 % loss completes and the capture shows retransmissions', async () => {
  const file = join(box.dir, 'iperf.pcapng');
  const filter = await box.json<{ id: number }>(['filter', 'add', 'home/uplink', '--loss', '1%', '--seed', '7', ...S]);
  await box.ok(['capture', 'start', 'alice/eth0', '-w', file, '--snaplen', '96', ...S]);
  const web = await nsOf('web');
  box.spawn(['exec', '--host', 'web', ...S, '--', 'iperf3', '-s', '-1', '-B', '198.51.100.8', '-p', '5201']);
  await waitUntil(() => listening(web, 5201), 'iperf3 listening in web');
  const r = await vexec('alice', ['iperf3', '-c', '198.51.100.8', '-p', '5201', '-n', '4M', '-J'], 60_000);
  await box.ok(['capture', 'stop', '--all', ...S]);
  await box.ok(['filter', 'rm', String(filter.id), ...S]);
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(0, 500));
  const report = JSON.parse(r.stdout) as { end: { sum_sent: { bytes: number; retransmits: number } } };
  assert.ok(report.end.sum_sent.bytes >= 4 * 1024 * 1024, `sent ${report.end.sum_sent.bytes} bytes`);
  assert.ok(report.end.sum_sent.retransmits > 0, 'iperf3 counts no retransmits under 1 % loss');
  assert.ok(tsharkCount(file, 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission') > 0, 'the capture shows no retransmission');
  // Checksums whole on every segment (the kernel computes them for a TUN; vnet rewrites them at the NAT).
  assert.equal(tsharkCount(file, 'tcp.checksum.status == 0 || ip.checksum.status == 0'), 0);
});

test('dig and getent in a netns host resolve vnet dns names and host names at the gateway; unknown names are NXDOMAIN', async () => {
  await box.ok(['dns', 'add', 'server.example', '198.51.100.7', ...S]);
  const dig = await vexec('alice', ['dig', '+short', '+tries=1', '+time=2', 'server.example']);
  assert.equal(dig.code, 0, dig.stderr);
  assert.equal(dig.stdout.trim(), '198.51.100.7');
  const getent = await vexec('alice', ['getent', 'hosts', 'web']);
  assert.equal(getent.code, 0, getent.stderr);
  assert.match(getent.stdout, /^198\.51\.100\.8\s+web/);
  const nx = await vexec('alice', ['dig', '+tries=1', '+time=2', 'nowhere.example']);
  assert.match(nx.stdout, /status: NXDOMAIN/);
});

test('vnet exec passes the exit status and signals through; --map is refused for a netns host', async () => {
  assert.equal((await vexec('alice', ['sh', '-c', 'exit 7'])).code, 7);
  assert.equal((await vexec('alice', ['sh', '-c', 'kill -TERM $$'])).code, 143);
  const mapped = await box.run(['exec', '--host', 'alice', '--map', '4000=198.51.100.7:7', ...S, '--', 'true']);
  assert.equal(mapped.code, 2);
  assert.match(mapped.stderr, /netns host.*--map/);
  const shell = await box.run(['shell', 'server', ...S]);
  assert.equal(shell.code, 2);
  assert.match(shell.stderr, /not a netns host/);
});

test('host rm removes the namespace and what runs in it', async () => {
  await box.ok(['host', 'add', 'tmp', '--router', 'home', '--netns', ...S]);
  const ns = await nsOf('tmp');
  const sleeper = box.spawn(['exec', '--host', 'tmp', ...S, '--', 'sleep', '60']);
  const ended = box.finish(sleeper, ['exec']);
  await waitUntil(() => execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).trim() !== '', 'sleep running in tmp');
  await box.ok(['host', 'rm', 'tmp', ...S]);
  assert.ok(!namespaces().includes(ns), `${ns} is still there`);
  assert.equal((await ended).code, 137);
});
