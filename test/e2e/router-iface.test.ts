// `vnet router iface add|rm` through the real CLI: LANs in router show (text and JSON), router ls,
// host add --lan, host ls, the `vnet show` tree, traffic between LANs, refusals with exit 2, export.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CliSandbox, stderrLine } from './cli-helpers.js';

const box = new CliSandbox();
after(() => box.cleanup());
const S = ['--session', 'lans'];

interface LanView { name: string; cidr: string; gateway: string; mac: string; vlan: number[]; hosts: string[]; children: string[] }

before(async () => {
  await box.ok(['up', '--clock', 'virtual', ...S]);
  await box.ok(['router', 'add', 'internet', '--cidr', '0.0.0.0/0', ...S]);
  await box.ok(['router', 'add', 'office', '--parent', 'internet', '--cidr', '10.1.0.0/24', '--ip', '203.0.113.5', ...S]);
});

test('iface add: the default name lan2, then a named LAN with gateway, VLAN and MAC; shown by router show, ls and the tree', async () => {
  assert.equal((await box.ok(['router', 'iface', 'add', 'office', '--cidr', '10.2.0.0/24', ...S])).trim(), 'interface office/lan2 10.2.0.0/24 gateway 10.2.0.1');
  const dmz = await box.json<LanView & { router: string }>(['router', 'iface', 'add', 'office', 'dmz', '--cidr', '10.3.0.0/24', '--gateway', '10.3.0.254',
    '--vlan', '30', '--mac', '02:00:00:00:03:01', '--json', ...S]);
  assert.deepEqual([dmz.router, dmz.name, dmz.cidr, dmz.gateway, dmz.vlan, dmz.mac], ['office', 'dmz', '10.3.0.0/24', '10.3.0.254', [30], '02:00:00:00:03:01']);
  assert.equal((await box.ok(['host', 'add', 'a', '--router', 'office', ...S])).trim(), 'host a 10.1.0.2 on office');
  assert.equal((await box.ok(['host', 'add', 'b', '--router', 'office', '--lan', 'lan2', ...S])).trim(), 'host b 10.2.0.2 on office/lan2');
  assert.equal((await box.ok(['host', 'add', 'web', '--router', 'office', '--ip', '10.3.0.80', ...S])).trim(), 'host web 10.3.0.80 on office/dmz');
  await box.ok(['router', 'add', 'lab', '--parent', 'office', '--parent-lan', 'lan2', '--cidr', '10.20.0.0/24', '--nat', 'none', ...S]);

  const r = await box.json<{ lans: LanView[]; parentLan: string | null }>(['router', 'show', 'office', ...S]);
  assert.deepEqual(r.lans.map((l) => [l.name, l.cidr, l.gateway, l.hosts, l.children]), [
    ['lan', '10.1.0.0/24', '10.1.0.1', ['a'], []], ['lan2', '10.2.0.0/24', '10.2.0.1', ['b'], ['lab']], ['dmz', '10.3.0.0/24', '10.3.0.254', ['web'], []],
  ]);
  assert.equal((await box.json<{ parentLan: string }>(['router', 'show', 'lab', ...S])).parentLan, 'lan2');
  const text = (await box.ok(['router', 'show', 'office', ...S])).split('\n');
  assert.ok(text.includes('  LAN   CIDR         GATEWAY     VLAN  HOSTS  ROUTERS'), text.join('\n'));
  assert.ok(text.includes('  lan2  10.2.0.0/24  10.2.0.1    -     b      lab'), text.join('\n'));
  assert.ok(text.includes('  dmz   10.3.0.0/24  10.3.0.254  30    web    -'), text.join('\n'));
  assert.ok(text.some((l) => /^ {2}office\/dmz +10\.3\.0\.254 +02:00:00:00:03:01 +1500 +30 /.test(l)), text.join('\n'));

  const ls = await box.ok(['router', 'ls', ...S]);
  assert.match(ls, /^office +10\.1\.0\.0\/24,10\.2\.0\.0\/24,10\.3\.0\.0\/24 +10\.1\.0\.1,10\.2\.0\.1,10\.3\.0\.254 +internet /m);
  assert.match(ls, /^lab +10\.20\.0\.0\/24 +10\.20\.0\.1 +office\/lan2 /m);
  assert.match(await box.ok(['host', 'ls', ...S]), /^b +10\.2\.0\.2 +office\/lan2$/m);
  const tree = await box.ok(['show', ...S]);
  assert.match(tree, /\n {4}├── host a 10\.1\.0\.2\n {4}├── lan office\/lan2 10\.2\.0\.0\/24 gateway 10\.2\.0\.1\n {4}│ {3}├── host b 10\.2\.0\.2\n {4}│ {3}└── router lab 10\.20\.0\.0\/24 /);
  assert.match(tree, /\n {4}└── lan office\/dmz 10\.3\.0\.0\/24 gateway 10\.3\.0\.254\n {8}└── host web 10\.3\.0\.80\n/);
});

test('traffic between two LANs of one router: one routing hop', async () => {
  const listen = box.spawn(['listen', 'b:7000', '--count', '1', '--json', ...S]);
  // finish() right away: it must see the 'close' event, which can come before `send` returns.
  const done = box.finish(listen, ['listen']);
  // listen says it is listening on stderr once bound; then a sends.
  await stderrLine(listen, /listening on/);
  await box.ok(['send', 'a', '10.2.0.2:7000', '--data', 'across', ...S]);
  const got = await done;
  assert.equal(got.code, 0, got.stderr);
  assert.match(got.stdout, /"from":"10\.1\.0\.2:\d+"/);
  const lan2 = await box.json<{ interfaces: { name: string; stats: { txPackets: number } }[] }>(['router', 'show', 'office', ...S]);
  assert.equal(lan2.interfaces.find((i) => i.name === 'office/lan2')!.stats.txPackets, 1);
});

test('refusals exit 2 with one line: the first LAN, an overlapping subnet, an unknown LAN, an existing name', async () => {
  const cases: [string[], RegExp][] = [
    [['router', 'iface', 'rm', 'office', 'lan', '--yes'], /^vnet: office\/lan is the router's first LAN and cannot be removed; remove the router instead \(vnet router rm office\)\n$/],
    [['router', 'iface', 'add', 'office', '--cidr', '10.2.0.128/25'], /overlaps 10\.2\.0\.0\/24 of office\/lan2; LANs of one router must not overlap/],
    [['router', 'iface', 'add', 'office', 'lan2', '--cidr', '10.9.0.0/24'], /router office already has an interface "lan2"; pick another name/],
    [['host', 'add', 'x', '--router', 'office', '--lan', 'lan9'], /router office has no LAN "lan9"; its LANs: lan, lan2, dmz/],
    [['router', 'iface', 'add', 'office', '--cidr', '10.9.0.1/24'], /cidr/],
  ];
  for (const [args, want] of cases) {
    const r = await box.run([...args, ...S]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('export writes the LANs; iface rm --yes takes the LAN with what is on it', async () => {
  const yaml = await box.ok(['export', ...S]);
  assert.match(yaml, /lans:\n\s+- \{ name: lan2, cidr: 10\.2\.0\.0\/24 \}\n\s+- \{ name: dmz, cidr: 10\.3\.0\.0\/24, gateway: 10\.3\.0\.254, mac: 02:00:00:00:03:01, vlan: \[ 30 \] \}/);
  assert.equal((await box.ok(['router', 'iface', 'rm', 'office', 'lan2', '--yes', ...S])).trim(), 'removed office/lan2, lab, b');
  const r = await box.json<{ lans: LanView[] }>(['router', 'show', 'office', ...S]);
  assert.deepEqual(r.lans.map((l) => l.name), ['lan', 'dmz']);
  assert.equal((await box.run(['host', 'show', 'b', ...S])).code, 2);
});
