// `vnet export --format netns|containerlab` without running the lab: what the header lists as not
// carried over, the nftables each NAT preset gets, the containerlab file read back, the scripts
// checked by sh -n and shellcheck, interface names within 15 characters, and --strict / --prefix
// through the CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { companionPath, defaultPrefix, exportLab, topologyOfFile, type LabFormat } from '../../src/session/export-lab.js';
import { exportGaps } from '../../src/session/export-gaps.js';
import { planLab } from '../../src/session/export-plan.js';
import type { Topology } from '../../src/session/topology-schema.js';
import { buildNatTopology, CliSandbox } from '../e2e/cli-helpers.js';
import { Network } from '../../src/engine/network.js';
import { formatMac } from '../../src/engine/mac.js';
import { formatIpv4 } from '../../src/wire/addr.js';
import { applyTopology, parseTopology } from '../../src/session/topology.js';

const box = new CliSandbox();
after(() => box.cleanup());

const twoNat = (homeNat = 'port-restricted', extra = ''): string => `
routers:
  - { name: internet, cidr: 0.0.0.0/0 }
  - { name: isp, parent: internet, cidr: 100.64.0.0/24, uplink: { ips: [203.0.113.10] }, nat: linux }
  - { name: home, parent: isp, cidr: 192.168.1.0/24, nat: ${homeNat} }
hosts:
  - { name: alice, router: home }
  - { name: server, router: internet, ips: [198.51.100.7] }
${extra}`;

const gapsOf = (topo: Topology, format: LabFormat = 'netns'): string[] =>
  exportGaps({ topo, plan: planLab(topo), format, extras: {} }).map((g) => `${g.where}: ${g.what}`);

test('the default NAT lists what masquerade lacks; the linux preset carries over whole (linux-random draws every port)', () => {
  const gaps = gapsOf(topologyOfFile(twoNat(), 't.yaml'));
  assert.ok(gaps.some((g) => /^router home NAT: hairpinning/.test(g)), gaps.join('\n'));
  assert.ok(gaps.some((g) => /^router home NAT: port choice: Linux keeps the source port when free/.test(g)));
  assert.ok(gaps.some((g) => /^router home NAT: mapping refresh: inbound packets refresh/.test(g)));
  assert.ok(!gaps.some((g) => g.startsWith('router isp NAT')), 'the linux preset is what nftables does');
  assert.deepEqual(gapsOf(topologyOfFile(twoNat('linux'), 't.yaml')), []);
  assert.deepEqual(gapsOf(topologyOfFile(twoNat('linux-random'), 't.yaml')), ['seed: seeded determinism: the kernel draws its own random numbers (loss, jitter, ports), so runs differ']);
});

test('filtering nftables cannot express is named; symmetric becomes fully-random; 1to1 becomes snat/dnat', () => {
  const lineFor = (nat: string): string[] => gapsOf(topologyOfFile(twoNat(nat), 't.yaml')).filter((g) => g.startsWith('router home NAT: filtering'));
  assert.match(lineFor('full-cone')[0], /filtering ei \(full cone.*conntrack lets in only replies/);
  assert.match(lineFor('restricted-cone')[0], /filtering ad \(restricted cone/);
  assert.deepEqual(lineFor('symmetric'), []);
  const script = (nat: string): string => exportLab(topologyOfFile(twoNat(nat), 't.yaml'), { format: 'netns', prefix: 't', source: 't.yaml' }).main;
  assert.match(script('symmetric'), /oifname "uplink" masquerade fully-random/);
  assert.match(script('port-restricted'), /iifname "uplink" meta l4proto \{ tcp, udp \} drop/, 'unsolicited: drop is a drop rule');
  assert.doesNotMatch(script('linux'), /chain input/, 'the linux preset answers port unreachable, as Linux does');
  const oneToOne = twoNat('1to1').replace('nat: 1to1', 'uplink: { ips: [100.64.0.2, 100.64.0.9] }, nat: { preset: 1to1, pairs: { 100.64.0.9: 192.168.1.2 } }');
  const text = exportLab(topologyOfFile(oneToOne, 't.yaml'), { format: 'netns', prefix: 't', source: 't.yaml' }).main;
  assert.match(text, /iifname "uplink" ip daddr 100\.64\.0\.9 dnat to 192\.168\.1\.2/);
  assert.match(text, /oifname "uplink" ip saddr 192\.168\.1\.2 snat to 100\.64\.0\.9/);
});

test('keys and sections the exporter does not know are listed, not dropped; a netns host carries over', () => {
  const topo = topologyOfFile(twoNat('linux'), 't.yaml') as Topology & Record<string, unknown>;
  (topo.hosts[0] as unknown as Record<string, unknown>).netns = true;
  assert.deepEqual(gapsOf(topo), [], 'a transparent host is a namespace in the lab too');
  (topo.routers[2] as unknown as Record<string, unknown>).shiny = 1;
  topo.shinier = [];
  assert.deepEqual(gapsOf(topo), ['shinier: this section is not known to the exporter; not carried over', 'routers home: shiny: not known to the exporter; not carried over']);
  topo.memberships = [{ host: 'alice', group: '239.1.1.1', shiny: 3 } as never];
  assert.ok(gapsOf(topo).includes('memberships #1: shiny: not known to the exporter; not carried over'));
});

test('multicast, NAT-PMP and STUN servers: one specific line each, and --strict fails on them', async () => {
  const text = twoNat('linux', `  - { name: tv, router: home }
stun:
  - { name: stun1, router: internet, ip: 198.51.100.20, altIp: 198.51.100.21 }
mroutes:
  - { router: home, source: 198.51.100.7, group: 239.1.1.1, in: uplink, out: [lan:2] }
memberships:
  - { host: tv, group: 239.1.1.1 }
`).replace('nat: linux }\nhosts', 'nat: linux, natpmp: { pcp: true }, multicast: { compat: linux } }\nhosts');
  const topo = topologyOfFile(text, 't.yaml');
  assert.deepEqual(gapsOf(topo), [
    'router home: multicast forwarding (compat linux): Linux forwards multicast only while a routing daemon holds its multicast routing socket (smcroute, pimd), which the lab does not install or start; nor is home the IGMP querier of its LANs; not carried over',
    'router home: natpmp: NAT-PMP and PCP on UDP 5351 of its LAN addresses: not carried over; miniupnpd in its namespace would be the Linux equivalent, and the script configures none (clients get port unreachable and no mappings)',
    "mroutes home: (198.51.100.7, 239.1.1.1) in uplink out lan:2: a static multicast route needs smcroute in home's namespace (smcroute.conf: mroute from uplink source 198.51.100.7 group 239.1.1.1 to lan; thresholds are per interface there, phyint IFACE ttl-threshold N), which the lab does not install or start; not carried over",
    'memberships tv: 239.1.1.1: no program in the lab joins the group, so tv sends no IGMP reports; run a receiver there (or smcroute\'s mgroup); not carried over',
    "stun stun1: exported as a plain host at 198.51.100.20 and 198.51.100.21; no STUN server runs there (run one in its namespace, e.g. stuntman's stunserver in full mode for RFC 5780, on port 3478 and 3479)",
  ]);
  // The STUN server's host is in the lab: both addresses on eth0 of its own namespace, on the root's LAN.
  const main = exportLab(topo, { format: 'netns', prefix: 't', source: 't' }).main;
  assert.match(main, /^ {2}ip -n t-stun1 addr replace 198\.51\.100\.20\/0 dev eth0\n {2}ip -n t-stun1 addr replace 198\.51\.100\.21\/0 dev eth0$/m);
  assert.match(main, /^# Namespaces: .* t-stun1$/m);
  const clab = parseYaml(exportLab(topo, { format: 'containerlab', prefix: 't', source: 't' }).main) as { topology: { nodes: Record<string, { kind: string }> } };
  assert.equal(clab.topology.nodes.stun1.kind, 'linux');
  const file = join(box.dir, 'daemons.yaml');
  writeFileSync(file, text);
  const strict = await box.run(['export', '-f', file, '--format', 'netns', '--strict']);
  assert.equal(strict.code, 2, strict.stderr);
  assert.match(strict.stderr, /^vnet: does not carry over: stun stun1: exported as a plain host/m);
  assert.match(strict.stderr, /^vnet: does not carry over: router home: natpmp: /m);
});

const multiLan = `
routers:
  - { name: internet, cidr: 0.0.0.0/0 }
  - name: office
    parent: internet
    cidr: 10.1.0.0/24
    uplink: { ips: [203.0.113.5] }
    nat: linux
    lans:
      - { name: lan2, cidr: 10.2.0.0/24 }
      - { name: dmz, cidr: 10.3.0.0/24, gateway: 10.3.0.254, mac: "02:00:00:00:03:fe" }
  - { name: lab, parent: office, parentLan: lan2, cidr: 10.20.0.0/24, nat: none }
hosts:
  - { name: alice, router: office }
  - { name: printer, router: office, lan: lan2 }
  - { name: web, router: office, ips: [10.3.0.80] }
  - { name: inner, router: lab }
  - { name: server, router: internet, ips: [198.51.100.7] }
`;

test('routers with several LANs: one bridge per LAN with its gateway, members on their LAN, routed children on any LAN, nothing listed', () => {
  const topo = topologyOfFile(multiLan, 'm.yaml');
  assert.deepEqual(gapsOf(topo), [], 'lans, lan and parentLan carry over');
  const main = exportLab(topo, { format: 'netns', prefix: 'm', source: 'm.yaml' }).main;
  const lines = (re: RegExp): string[] => main.split('\n').filter((l) => re.test(l)).map((l) => l.trim());
  assert.deepEqual(lines(/^ {2}(mkbridge|ip -n \S+ addr replace \S+ dev (lan|lan2|dmz)$)/), [
    lines(/mkbridge m-internet lan /)[0],
    'ip -n m-internet addr replace 192.0.2.1/0 dev lan',
    lines(/mkbridge m-office lan /)[0],
    'ip -n m-office addr replace 10.1.0.1/24 dev lan',
    lines(/mkbridge m-office lan2 /)[0],
    'ip -n m-office addr replace 10.2.0.1/24 dev lan2',
    'mkbridge m-office dmz 02:00:00:00:03:fe',
    'ip -n m-office addr replace 10.3.0.254/24 dev dmz',
    lines(/mkbridge m-lab lan /)[0],
    'ip -n m-lab addr replace 10.20.0.1/24 dev lan',
  ]);
  // Each bridge has the MAC and gateway vnet gives that LAN (`vnet up -f` of the same file).
  const net = new Network({ clock: 'virtual', seed: 1 });
  applyTopology(net, parseTopology(multiLan, 'm.yaml'));
  for (const r of net.routers) {
    for (const l of r.lans.list) assert.ok(lines(/^ {2}mkbridge /).includes(`mkbridge m-${r.name} ${l.name} ${formatMac(l.iface.mac)}`), `${r.name}/${l.name} MAC`);
    for (const l of r.lans.list) assert.ok(main.includes(`ip -n m-${r.name} addr replace ${formatIpv4(l.gateway)}/${l.cidr.prefix} dev ${l.name}\n`), `${r.name}/${l.name} gateway`);
  }
  // Members join the bridge of their LAN.
  assert.deepEqual(lines(/master (lan2|dmz) /), [
    'ip -n m-office link set p-lab master lan2 mtu 1500 up',
    'ip -n m-office link set p-printer master lan2 mtu 1500 up',
    'ip -n m-office link set p-web master dmz mtu 1500 up',
  ]);
  // The routed lab behind office's lan2: office routes it via lab's uplink there, every member of office's LANs through its own gateway.
  const lab = /ip -n m-lab addr replace (10\.2\.0\.\d+)\/24 dev uplink/.exec(main)![1];
  assert.ok(lines(/route replace/).includes(`ip -n m-office route replace 10.20.0.0/24 via ${lab}`));
  for (const [host, gw] of [['alice', '10.1.0.1'], ['printer', '10.2.0.1'], ['web', '10.3.0.254']]) {
    assert.deepEqual(lines(new RegExp(`^ {2}ip -n m-${host} route`)), [`ip -n m-${host} route replace default via ${gw}`, `ip -n m-${host} route replace 10.20.0.0/24 via ${gw}`]);
  }
  assert.deepEqual(lines(/^ {2}ip -n m-lab route/), ['ip -n m-lab route replace default via 10.2.0.1']);
  // NAT for every LAN: masquerade on what leaves the uplink, whatever LAN it came from.
  assert.match(main, /oifname "uplink" masquerade\n/);
  assert.doesNotMatch(main, /iifname "lan"/);
});

test('routers with several LANs in containerlab: one bridge and one router interface per LAN, members linked to their LAN\'s bridge', () => {
  const lab = exportLab(topologyOfFile(multiLan, 'm.yaml'), { format: 'containerlab', prefix: 'm', source: 'm.yaml', scriptName: 'm.netem.sh' });
  const doc = parseYaml(lab.main) as { topology: { nodes: Record<string, { kind: string; exec?: string[] }>; links: { endpoints: [string, string] }[] } };
  const nodes = doc.topology.nodes;
  const bridges = Object.entries(nodes).filter(([, n]) => n.kind === 'bridge').map(([name]) => name);
  assert.deepEqual(bridges.sort(), ['m-internet', 'm-lab', 'm-office', 'm-office.dmz', 'm-office.lan2']);
  const bridgeOf = (endpoint: string): string => doc.topology.links.find((l) => l.endpoints[0] === endpoint)!.endpoints[1].split(':')[0];
  assert.equal(bridgeOf('office:lan'), 'm-office');
  assert.equal(bridgeOf('office:lan2'), 'm-office.lan2');
  assert.equal(bridgeOf('office:dmz'), 'm-office.dmz');
  assert.equal(bridgeOf('printer:eth0'), 'm-office.lan2');
  assert.equal(bridgeOf('lab:uplink'), 'm-office.lan2');
  assert.equal(bridgeOf('web:eth0'), 'm-office.dmz');
  assert.equal(bridgeOf('alice:eth0'), 'm-office');
  const ports = doc.topology.links.map((l) => l.endpoints[1]);
  assert.equal(new Set(ports).size, ports.length, 'every bridge port its own name');
  assert.ok(ports.every((p) => p.split(':')[1].length <= 15));
  const office = nodes.office.exec!;
  for (const want of ['ip link set dmz address 02:00:00:00:03:fe mtu 1500', 'ip addr replace 10.2.0.1/24 dev lan2', 'ip addr replace 10.3.0.254/24 dev dmz', 'ip link set lan2 up']) assert.ok(office.includes(want), want);
  assert.ok(office.some((x) => /^ip route replace 10\.20\.0\.0\/24 via 10\.2\.0\.\d+$/.test(x)), office.join('\n'));
  assert.deepEqual(nodes.printer.exec!.filter((x) => x.startsWith('ip route')), ['ip route replace default via 10.2.0.1', 'ip route replace 10.20.0.0/24 via 10.2.0.1']);
  assert.match(lab.companion!, new RegExp(`^BRIDGES='${Object.keys(nodes).filter((n) => nodes[n].kind === 'bridge').join(' ')}'$`, 'm'));
});

test('clock, seeds, names, captures, router delays, VLANs and filters tc has no place for are listed', () => {
  const extra = `filters:
  - { on: alice, loss: 1%, dropMatch: "udp and dst port 53" }
  - { on: home/lan, direction: ingress, delay: 5ms }
  - { on: alice, lossModel: "gemodel:1,10" }
dns: { server.example: 198.51.100.7 }
clock: virtual`;
  const topo = topologyOfFile(twoNat('linux', extra).replace('cidr: 192.168.1.0/24', 'cidr: 192.168.1.0/24, minDelay: 5ms, vlan: [100]'), 't.yaml');
  topo.captures = [{ on: ['home/lan'], file: 'home.pcapng' }];
  const netns = gapsOf(topo).join('\n');
  for (const want of [/^clock: the virtual clock/m, /^seed: seeded determinism/m, /^dns: server\.example → 198\.51\.100\.7/m, /^captures: home\/lan → home\.pcapng/m,
    /^router home: forwarding delay minDelay 5ms/m, /^router home: VLAN tags \[100\]/m, /^filter on alice\/eth0: dropMatch "udp and dst port 53"/m,
    /^filter on home\/lan \(ingress\): tc cannot delay or shape what a bridge interface receives/m, /^filter on alice\/eth0: a second filter on the same interface/m]) {
    assert.match(netns, want);
  }
  const clab = gapsOf(topo, 'containerlab').join('\n');
  assert.match(clab, /^filter on home\/lan \(ingress\): containerlab's netem acts on what a container sends/m);
  // netns carries the Gilbert-Elliott model (netem gemodel); containerlab's netem set has none.
  const single = topologyOfFile(twoNat('linux', 'filters:\n  - { on: alice, lossModel: "gemodel:1,10" }'), 't.yaml');
  assert.doesNotMatch(gapsOf(single).join('\n'), /Gilbert/);
  assert.match(exportLab(single, { format: 'netns', prefix: 't', source: 't' }).main, /loss gemodel 1% 10% 100% 0%/);
  assert.match(gapsOf(single, 'containerlab').join('\n'), /^filter on alice\/eth0: Gilbert-Elliott loss; containerlab's netem set has no loss model/m);
});

const longNames = `
routers:
  - { name: internet, cidr: 0.0.0.0/0 }
  - { name: a-router-with-a-long-name, parent: internet, cidr: 10.1.0.0/16, nat: linux }
  - { name: routed, parent: internet, cidr: 198.18.0.0/24, nat: none }
hosts:
  - { name: a-host-with-a-very-long-name, router: a-router-with-a-long-name }
  - { name: server, router: internet, ips: [198.51.100.7] }
  - { name: inner, router: routed }
filters:
  - { on: server, delay: 10ms, jitter: 2ms, loss: 1%, rate: 2mbit }
  - { on: a-host-with-a-very-long-name, direction: ingress, rate: 1mbit }
`;

test('the netns script: sh -n and shellcheck pass, every interface name fits 15 characters, names carry the prefix', () => {
  const { main } = exportLab(topologyOfFile(longNames, 'long.yaml'), { format: 'netns', prefix: 'lab2', source: 'long.yaml' });
  const file = join(box.dir, 'lab.sh');
  writeFileSync(file, main);
  for (const argv of [['sh', '-n', file], ['shellcheck', file]]) {
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
    assert.equal(r.error, undefined, `${argv[0]} could not run (${r.error?.message}); npm test installs it (scripts/test-tools.js)`);
    assert.equal(r.status, 0, `${argv.join(' ')}: ${r.stdout}${r.stderr}`);
  }
  const devs = [...main.matchAll(/^\s*mkveth (\S+) (\S+) (\S+) (\S+)$/gm)].flatMap((m) => [m[2], m[4]]);
  assert.ok(devs.length >= 5 && devs.every((d) => d.length <= 15), devs.join(' '));
  assert.ok(devs.includes('p0'), 'a member whose p-NAME is too long gets its place on the LAN');
  for (const m of main.matchAll(/ip -n ([^"\s]\S*) /g)) assert.match(m[1], /^lab2-/);
  // Routed subnets: the root routes them via the routed router; hosts on the root LAN reach them through the root's gateway.
  assert.match(main, /ip -n lab2-internet route replace 198\.18\.0\.0\/24 via 198\.51\.100\.\d+|ip -n lab2-internet route replace 198\.18\.0\.0\/24 via \S+/);
  assert.match(main, /ip -n lab2-server route replace 198\.18\.0\.0\/24 via 192\.0\.2\.1/);
  assert.match(main, /qdisc lab2-server eth0 'delay 10ms 2ms loss random 1%' 'rate 2mbit burst 2500b limit 150000b' -/);
  assert.match(main, /qdisc lab2-a-router-with-a-long-name p0 - 'rate 1mbit /, 'an ingress filter is the egress of the bridge port');
});

test('the containerlab file reads back with nodes, kinds and two-endpoint links; the companion sets netem', () => {
  const lab = exportLab(topologyOfFile(longNames, 'long.yaml'), { format: 'containerlab', prefix: 'lab2', source: 'long.yaml', scriptName: 'lab.netem.sh' });
  assert.match(lab.main, /^# Lab "lab2" written by `vnet export --format containerlab`/);
  assert.match(lab.main, /^# Does not carry over from vnet to containerlab \(\d+ items?\):$/m);
  const doc = parseYaml(lab.main) as { name: string; topology: { nodes: Record<string, { kind: string; image?: string; exec?: string[]; 'network-mode'?: string }>; links: { endpoints: string[] }[] } };
  assert.equal(doc.name, 'lab2');
  const nodes = doc.topology.nodes;
  for (const n of ['internet', 'a-router-with-a-long-name', 'routed', 'a-host-with-a-very-long-name', 'server', 'inner']) {
    assert.equal(nodes[n].kind, 'linux');
    assert.equal(nodes[n]['network-mode'], 'none');
    assert.ok(nodes[n].image);
  }
  const bridges = Object.entries(nodes).filter(([, n]) => n.kind === 'bridge').map(([name]) => name);
  assert.equal(bridges.length, 3);
  assert.equal(doc.topology.links.length, 3 + 2 + 3);
  for (const l of doc.topology.links) {
    assert.equal(l.endpoints.length, 2);
    for (const e of l.endpoints) {
      const [node, iface] = e.split(':');
      assert.ok(nodes[node], `${e}: no such node`);
      assert.ok(iface.length > 0 && iface.length <= 15, `${e}: interface name over 15`);
    }
    assert.ok(bridges.includes(l.endpoints[1].split(':')[0]), 'every link joins a node to a LAN bridge');
  }
  assert.ok(bridges.every((b) => b.length <= 15 && b.startsWith('lab2-')));
  assert.ok(nodes['a-router-with-a-long-name'].exec!.some((x) => x === `nft 'add rule ip vnet postrouting oifname "uplink" masquerade'`));
  assert.ok(nodes.inner.exec!.includes('ip route replace default via 198.18.0.1'));
  assert.match(lab.companion!, /^ {2}containerlab tools netem set -n clab-lab2-server -i eth0 --delay 10ms --jitter 2ms --loss 1 --rate 2000$/m);
  assert.match(lab.companion!, new RegExp(`^BRIDGES='${bridges.join(' ')}'$`, 'm'));
  const file = join(box.dir, 'lab.netem.sh');
  writeFileSync(file, lab.companion!);
  for (const argv of [['sh', '-n', file], ['shellcheck', file]]) {
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
    assert.equal(r.status, 0, `${argv.join(' ')}: ${r.error?.message ?? ''}${r.stdout}${r.stderr}`);
  }
});

test('the default prefix comes from the file or session name; the companion sits beside the YAML', () => {
  assert.equal(defaultPrefix('labs/two-nat.yaml'), 'two-nat');
  assert.equal(defaultPrefix('my lab!.clab.yml'), 'my-lab');
  assert.equal(defaultPrefix('a-very-long-topology-name.yaml'), 'a-very-long');
  assert.equal(companionPath('out/lab.clab.yml'), 'out/lab.netem.sh');
  assert.equal(companionPath('lab.yaml'), 'lab.netem.sh');
});

test('CLI: --strict exits 2 naming each item; a topology that carries over passes; a bad --prefix exits 2', async () => {
  const file = join(box.dir, 'two-nat.yaml');
  writeFileSync(file, twoNat());
  const out = join(box.dir, 'strict.sh');
  const strict = await box.run(['export', '-f', file, '--format', 'netns', '--strict', '-o', out]);
  assert.equal(strict.code, 2, strict.stderr);
  assert.match(strict.stderr, /^vnet: does not carry over: router home NAT: hairpinning/m);
  assert.match(strict.stderr, /things in this topology do not carry over to netns \(listed above\)/);
  assert.equal(existsSync(out), false, 'nothing is written');

  const clean = join(box.dir, 'clean.yaml');
  writeFileSync(clean, twoNat('linux').replace('nat: linux }', 'nat: linux, mtu: 1400 }'));
  // linux NATs are what nftables does: everything carries over, so --strict writes the files.
  const r = await box.run(['export', '-f', clean, '--format', 'containerlab', '--strict', '-o', join(box.dir, 'c.clab.yml'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { companion: string; prefix: string; gaps: { where: string }[] };
  assert.equal(result.prefix, 'clean');
  assert.deepEqual(result.gaps, []);
  assert.match(readFileSync(join(box.dir, 'c.clab.yml'), 'utf8'), /^# - \(everything in this topology carries over\)$/m);
  assert.ok(readFileSync(result.companion, 'utf8').startsWith('#!/bin/sh'));

  const bad = await box.run(['export', '-f', file, '--format', 'netns', '--prefix', 'no/slash']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /lab prefix "no\/slash" is not 1-12 letters/);
  const json = await box.run(['export', '-f', file, '--format', 'netns', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as { format: string; prefix: string; gaps: unknown[]; text: string };
  assert.equal(doc.prefix, 'two-nat');
  assert.ok(doc.text.startsWith('#!/bin/sh\n') && doc.gaps.length > 0);
  const wrong = await box.run(['export', '-f', file, '--strict']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /--strict is for --format netns or containerlab/);
});

test('CLI: from a running session, the header lists its virtual clock and its proxies; the prefix is the session name', async () => {
  const s = ['--session', 'lab9'];
  await box.ok(['up', '--clock', 'virtual', ...s]);
  await buildNatTopology(box, 'lab9');
  await box.ok(['proxy', 'add', '--real', '127.0.0.1:45999', '--as', '198.51.100.7:53', ...s]);
  const out = join(box.dir, 'session.clab.yml');
  const r = await box.run(['export', '--format', 'containerlab', '-o', out, ...s]);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(out, 'utf8');
  assert.match(text, /^# - clock: the virtual clock/m);
  assert.match(text, /^# - proxies: 1 proxied real server\(s\)/m);
  assert.match(text, /^# Lab "lab9" written by `vnet export --format containerlab` from session lab9\.$/m);
  assert.equal((parseYaml(text) as { name: string }).name, 'lab9');
  assert.ok(existsSync(join(box.dir, 'session.netem.sh')));
  await box.ok(['down', ...s]);
});

test('a filter on a router\'s lan is named when the LAN has hosts that talk to each other; icmpRatelimit carries over', () => {
  const topo = topologyOfFile(`${longNames}  - { on: internet/lan, delay: 1ms }\n`.replace('nat: none }', 'nat: none, icmpRatelimit: 250ms }'), 'long.yaml');
  assert.match(gapsOf(topo).join('\n'), /^filter on internet\/lan: vnet applies it to traffic between internet's LAN members too/m);
  assert.match(exportLab(topo, { format: 'netns', prefix: 'l', source: 'x' }).main, /nsctl l-routed net\/ipv4\/icmp_ratelimit 250$/m);
  const clab = parseYaml(exportLab(topo, { format: 'containerlab', prefix: 'l', source: 'x' }).main) as { topology: { nodes: Record<string, { sysctls?: Record<string, string> }> } };
  assert.equal(clab.topology.nodes.routed.sysctls?.['net.ipv4.icmp_ratelimit'], '250');
});

test('a containerlab bridge never takes the name of a node', () => {
  const text = twoNat('linux', '  - { name: t-home, router: internet, ips: [198.51.100.20] }\n');
  const doc = parseYaml(exportLab(topologyOfFile(text, 't.yaml'), { format: 'containerlab', prefix: 't', source: 't' }).main) as { topology: { nodes: Record<string, { kind: string }> } };
  assert.equal(doc.topology.nodes['t-home'].kind, 'linux');
  assert.equal(Object.values(doc.topology.nodes).filter((n) => n.kind === 'bridge').length, 3);
});
