// Side by side with Linux: a forged ICMP port unreachable quoting the NAT's mapping but a remote the
// inside host never contacted is dropped, one quoting the contacted remote is forwarded. Linux is three
// network namespaces (inside, router with nftables masquerade, outside) this test makes and always
// removes; raw sockets in python3 forge the errors and watch what reaches the inside host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { Network } from '../../src/engine/network.js';
import { icmpError } from '../../src/engine/icmp.js';
import type { IcmpNotice } from '../../src/engine/socket.js';
import { parseIpv4 } from '../../src/wire/addr.js';
import { ICMP_DEST_UNREACHABLE, makeUdp, UNREACH_PORT } from '../../src/wire/packet.js';

const INSIDE = '192.168.77.2';
const NAT_IN = '192.168.77.1';
const NAT_EXT = '198.18.77.1';
const REMOTE = '198.18.77.2';
/** Quoted destinations: the contacted remote, and one never contacted. */
const QUOTES = ['198.18.77.3:9000', `${REMOTE}:7000`];

/** Inside: bind UDP 4000, send to REMOTE:7000, then print each ICMP unreachable's quoted destination for 1.5 s. */
const INSIDE_PY = `
import socket, sys, json, time, select
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(('0.0.0.0', 4000))
u.sendto(b'out', (sys.argv[1], 7000))
print('sent', flush=True)
end = time.time() + 1.5
while time.time() < end:
    r, _, _ = select.select([icmp], [], [], max(0, end - time.time()))
    if not r: break
    b = icmp.recv(2048)
    ihl = (b[0] & 15) * 4
    if b[ihl] != 3: continue
    q = b[ihl + 8:]
    qihl = (q[0] & 15) * 4
    print(json.dumps(socket.inet_ntoa(q[16:20]) + ':' + str(int.from_bytes(q[qihl + 2:qihl + 4], 'big'))), flush=True)
`;

/** Outside: a port unreachable to the NAT for each quote NAT:PORT -> DST:DPORT (UDP), 0.2 s apart. */
const FORGE_PY = `
import socket, sys, struct, time
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
nat, nat_port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
for quoted in sys.argv[3:]:
    dst, port = quoted.split(':')
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28, 1, 0, 64, 17, 0, socket.inet_aton(nat), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    msg = struct.pack('!BBHI', 3, 3, 0, 0) + ip + struct.pack('!HHHH', nat_port, int(port), 8, 0)
    msg = msg[:2] + struct.pack('!H', csum(msg)) + msg[4:]
    s.sendto(msg, (nat, 0))
    time.sleep(0.2)
`;

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

/** Which quotes reach the inside host through Linux's masquerade. */
async function linuxForwarded(): Promise<string[]> {
  const tag = `vnet-t-${process.pid}`;
  const ns = { in: `${tag}-in`, rt: `${tag}-rt`, out: `${tag}-out` };
  const v = (n: string): string => `vt${process.pid % 100000}${n}`;
  const made: string[] = [];
  let inside: ReturnType<typeof spawn> | undefined;
  try {
    for (const n of Object.values(ns)) {
      run('ip', ['netns', 'add', n]);
      made.push(n);
    }
    run('ip', ['link', 'add', v('a'), 'netns', ns.in, 'type', 'veth', 'peer', 'name', v('b'), 'netns', ns.rt]);
    run('ip', ['link', 'add', v('c'), 'netns', ns.rt, 'type', 'veth', 'peer', 'name', v('d'), 'netns', ns.out]);
    const ipn = (n: string, ...a: string[]): void => run('ip', ['-n', n, ...a]);
    ipn(ns.in, 'addr', 'add', `${INSIDE}/24`, 'dev', v('a'));
    ipn(ns.in, 'link', 'set', v('a'), 'up');
    ipn(ns.in, 'route', 'add', 'default', 'via', NAT_IN);
    ipn(ns.rt, 'addr', 'add', `${NAT_IN}/24`, 'dev', v('b'));
    ipn(ns.rt, 'addr', 'add', `${NAT_EXT}/24`, 'dev', v('c'));
    ipn(ns.rt, 'link', 'set', v('b'), 'up');
    ipn(ns.rt, 'link', 'set', v('c'), 'up');
    ipn(ns.out, 'addr', 'add', `${REMOTE}/24`, 'dev', v('d'));
    ipn(ns.out, 'link', 'set', v('d'), 'up');
    run('ip', ['netns', 'exec', ns.rt, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    run('ip', ['netns', 'exec', ns.rt, 'nft', `add table ip vnat; add chain ip vnat post { type nat hook postrouting priority 100; }; add rule ip vnat post oifname ${v('c')} masquerade`]);
    // The remote drops the datagram silently, so the only errors are the forged ones.
    run('ip', ['netns', 'exec', ns.out, 'nft', 'add table inet f; add chain inet f in { type filter hook input priority 0; }; add rule inet f in udp dport 7000 drop']);
    const proc = spawn('ip', ['netns', 'exec', ns.in, 'python3', '-c', INSIDE_PY, REMOTE], { stdio: ['ignore', 'pipe', 'pipe'] });
    inside = proc;
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
    const deadline = Date.now() + 5000;
    while (!out.includes('sent\n')) {
      if (Date.now() > deadline || proc.exitCode !== null) assert.fail(`inside host did not send within 5 s: ${err.trim()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Masquerade keeps the source port when it is free (spec, "Measured on Linux"): 4000 outside too.
    run('ip', ['netns', 'exec', ns.out, 'python3', '-c', FORGE_PY, NAT_EXT, '4000', ...QUOTES]);
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000))]);
    assert.equal(code, 0, `inside host: exit ${String(code)}: ${err.trim()}`);
    return out.split('\n').filter((l) => l.startsWith('"')).map((l) => JSON.parse(l) as string);
  } finally {
    if (inside !== undefined && inside.exitCode === null) inside.kill('SIGKILL');
    for (const n of made) {
      try {
        run('ip', ['netns', 'del', n]);
      } catch {
        // Removing the others matters more than reporting this one.
      }
    }
  }
}

/** The same through vnet: a port-restricted NAT keeping ports (as masquerade does when free). */
function vnetForwarded(): string[] {
  const net = new Network({ clock: 'virtual', seed: 1 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.77.0/24', gateway: NAT_IN, ips: [NAT_EXT], nat: { preset: 'port-restricted', portPreservation: true } });
  net.addHost({ name: 'x', router: 'home', ips: [INSIDE] });
  net.addHost({ name: 'y', router: 'internet', ips: [REMOTE] });
  const x = net.host('x').udpBind(4000);
  const got: string[] = [];
  x.on('icmp', (n: IcmpNotice) => got.push(`${n.remote.address}:${n.remote.port}`));
  net.host('y').udpBind(7000);
  x.send('out', 7000, REMOTE);
  net.runUntilIdle();
  for (const q of QUOTES) {
    const [dst, port] = q.split(':');
    const offending = makeUdp(parseIpv4(NAT_EXT), 4000, parseIpv4(dst), Number(port), new Uint8Array(0));
    net.host('y').output(icmpError(offending, parseIpv4(REMOTE), ICMP_DEST_UNREACHABLE, UNREACH_PORT)!);
    net.runUntilIdle();
  }
  return got;
}

test('forged ICMP errors: vnet forwards exactly what Linux masquerade forwards (the contacted remote only)', async () => {
  const linux = await linuxForwarded();
  assert.deepEqual(linux, [`${REMOTE}:7000`], `Linux forwarded ${JSON.stringify(linux)}`);
  const vnet = vnetForwarded();
  assert.deepEqual(vnet, linux, `vnet forwarded ${JSON.stringify(vnet)}, Linux ${JSON.stringify(linux)}`);
});
