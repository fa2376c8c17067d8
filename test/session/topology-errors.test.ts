// Bad topology files: each error names the file, the line and the path, is EINVAL (exit 2), and
// leaves the session exactly as it was — even when entries before the bad one were fine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VnetError } from '../../src/engine/errors.js';
import { Network } from '../../src/engine/network.js';
import { applyEntries } from '../../src/session/topology-entries.js';
import { exportTopology, parseTopology, topologyToYaml } from '../../src/session/topology.js';
import { apply, BASE, errorOf, eventCount, newSession, statusText } from '../fixtures/topology/helpers.js';

interface BadCase {
  name: string;
  text: string;
  /** The start of the message: `topo.yaml:LINE: path` (or `topo.yaml:LINE:COL` for syntax). */
  where: string;
  /** What the message must also say. */
  says: RegExp;
}

const CASES: BadCase[] = [
  {
    name: 'CIDR with host bits',
    text: 'routers:\n  - { name: lab, parent: internet, cidr: 10.0.0.1/24 }\n',
    where: 'topo.yaml:2: routers[0].cidr: ',
    says: /10\.0\.0\.1\/24/,
  },
  {
    name: 'CIDR prefix over 32',
    text: 'routers:\n  - name: lab\n    parent: internet\n    cidr: 10.0.0.0/33\n',
    where: 'topo.yaml:4: routers[0].cidr: ',
    says: /"10\.0\.0\.0\/33" is not a CIDR prefix/,
  },
  {
    name: 'unknown parent router',
    text: 'routers:\n  - { name: lab, parent: nowhere, cidr: 10.0.0.0/24 }\n',
    where: 'topo.yaml:2: routers[0]: ',
    says: /parent: no router named "nowhere" in the file or the network \(routers: lab, internet, home\); add it or fix the name/,
  },
  {
    name: 'a NAT inside overlapping its live parent',
    text: 'routers:\n  - { name: lab, parent: internet, cidr: 10.0.0.0/24 }\n  - { name: lab2, parent: home, cidr: 192.168.1.128/25 }\n',
    where: 'topo.yaml:3: routers[1]: ',
    says: /subnet 192\.168\.1\.128\/25 of lab2 overlaps 192\.168\.1\.0\/24 of its parent home; a NAT's inside must not overlap its outside/,
  },
  {
    name: 'routed subnets overlapping within the file',
    text: 'routers:\n  - { name: a, parent: internet, cidr: 10.0.0.0/16, nat: none }\n  - { name: b, parent: internet, cidr: 10.0.5.0/24, nat: none }\n',
    where: 'topo.yaml:3: routers[1]: ',
    says: /subnet 10\.0\.5\.0\/24 of b overlaps the routed subnet 10\.0\.0\.0\/16 below internet/,
  },
  {
    name: 'duplicate names',
    text: 'hosts:\n  - { name: bob, router: home }\n  - { name: bob, router: internet }\n',
    where: 'topo.yaml:3: hosts[1].name: ',
    says: /"bob" is already the name of hosts\[0\] \(line 2\)/,
  },
  {
    name: 'a router named like a live host',
    text: 'routers:\n  - { name: alice, parent: internet, cidr: 10.0.0.0/24 }\n',
    where: 'topo.yaml:2: routers[0]: ',
    says: /"alice" is a host in this network/,
  },
  {
    name: 'parent loop',
    text: 'routers:\n  - { name: a, parent: b, cidr: 10.1.0.0/24 }\n  - { name: b, parent: a, cidr: 10.2.0.0/24 }\n',
    where: 'topo.yaml:2: routers[0].parent: ',
    says: /router loop: a → b → a/,
  },
  {
    name: 'malformed YAML',
    text: 'routers:\n  - { name: a, cidr: 10.0.0.0/24\nhosts: []\n',
    where: 'topo.yaml:3:1: malformed YAML: ',
    says: /fix the syntax there/,
  },
  {
    name: 'a key given twice',
    text: 'hosts:\n  - name: bob\n    router: home\n    router: internet\n',
    where: 'topo.yaml:4:5: malformed YAML: ',
    says: /unique/,
  },
  {
    name: 'unknown key',
    text: 'hosts:\n  - { name: bob, router: home, ip: 192.168.1.20 }\n',
    where: 'topo.yaml:2: hosts[0]: ',
    says: /unknown key "ip" \(allowed: name, router, lan, ips, mac, mtu, netns\)/,
  },
  {
    name: 'wrong type',
    text: 'hosts:\n  - name: bob\n    router: home\n    mtu: big\n',
    where: 'topo.yaml:4: hosts[0].mtu: ',
    says: /"big" is a string, want a whole number/,
  },
  {
    name: 'address outside the subnet',
    text: 'hosts:\n  - { name: bob, router: home, ips: [10.0.0.5] }\n',
    where: 'topo.yaml:2: hosts[0]: ',
    says: /10\.0\.0\.5 is outside 192\.168\.1\.0\/24; pick an address in the subnet/,
  },
  {
    name: 'address already taken',
    text: 'hosts:\n  - { name: bob, router: home, ips: [192.168.1.10] }\n',
    where: 'topo.yaml:2: hosts[0]: ',
    says: /192\.168\.1\.10 is already used by alice/,
  },
  {
    name: 'a capture of an unknown interface',
    text: 'hosts:\n  - { name: bob, router: home }\ncaptures:\n  - { on: [nowhere/lan], file: home.pcapng }\n',
    where: 'topo.yaml:4: captures[0]: ',
    says: /nowhere/,
  },
  {
    name: 'a pcap capture of two interfaces',
    text: 'captures:\n  - { on: [home/lan, home/uplink], file: home.pcap }\n',
    where: 'topo.yaml:2: captures[0]: ',
    says: /a pcap file holds one interface and 2 are named; use format: pcapng/,
  },
  {
    name: 'stdout as a capture file',
    text: 'captures:\n  - { on: home/lan, file: "-" }\n',
    where: 'topo.yaml:2: captures[0].file: ',
    says: /"-" \(stdout\) cannot be a capture file of a session/,
  },
  {
    name: 'a live router with another cidr',
    text: 'routers:\n  - { name: home, parent: internet, cidr: 192.168.2.0/24 }\n',
    where: 'topo.yaml:2: routers[0]: ',
    says: /router home exists with cidr 192\.168\.1\.0\/24, the file says 192\.168\.2\.0\/24; remove the router first with `vnet router rm home`/,
  },
  {
    name: 'a live host on another router',
    text: 'hosts:\n  - { name: alice, router: internet }\n',
    where: 'topo.yaml:2: hosts[0]: ',
    says: /host alice exists on home, the file puts it on internet; remove the host first with `vnet host rm alice`/,
  },
  {
    name: 'a live router with another uplink address',
    text: 'routers:\n  - { name: home, parent: internet, cidr: 192.168.1.0/24, uplink: { ips: [203.0.113.99] } }\n',
    where: 'topo.yaml:2: routers[0]: ',
    says: /uplink address 203\.0\.113\.10, the file says 203\.0\.113\.99/,
  },
  {
    name: 'a filter on a node nobody has',
    text: 'filters:\n  - { on: ghost/eth0, loss: 1% }\n',
    where: 'topo.yaml:2: filters[0]: ',
    says: /no router or host named "ghost"/,
  },
  {
    name: 'a filter with a bad value past the schema',
    text: 'filters:\n  - { on: home/uplink, rate: 1mbit, burst: 100b }\n',
    where: 'topo.yaml:2: filters[0]: ',
    says: /burst \(100 bytes\) is smaller than the largest frame \(1514 bytes: MTU 1500 \+ 14 of link header and overhead\); raise --burst/,
  },
  {
    name: 'a file that is a list',
    text: '- a\n- b\n',
    where: 'topo.yaml:1: ',
    says: /the file holds a list; a topology is a mapping/,
  },
];

for (const c of CASES) {
  test(`bad file: ${c.name} names file, line and path and changes nothing`, () => {
    const s = newSession();
    apply(s, BASE);
    const before = statusText(s);
    const events = eventCount(s);
    // New, valid entries come first in several cases: they must not be left behind.
    const err = errorOf(() => apply(s, c.text));
    assert.ok(err instanceof VnetError, `got ${String(err)}, want a VnetError`);
    assert.equal(err.code, 'EINVAL');
    assert.ok(err.message.startsWith(c.where), `got "${err.message}", want it to start with "${c.where}"`);
    assert.match(err.message, c.says);
    assert.equal(statusText(s), before, 'the session changed');
    assert.equal(eventCount(s), events, 'the failed apply emitted events');
    assert.equal(errorOf(() => apply(s, c.text, { dryRun: true })).message, err.message, 'a dry run finds the same error');
  });
}

test('an error after valid new entries leaves none of them behind', () => {
  const s = newSession();
  apply(s, BASE);
  const before = statusText(s);
  const text = `routers:
  - { name: lab, parent: internet, cidr: 10.0.0.0/24 }
hosts:
  - { name: bob, router: lab }
filters:
  - { on: bob, loss: 1% }
  - { on: alice/eth9, loss: 1% }
`;
  const err = errorOf(() => apply(s, text));
  assert.match(err.message, /^topo\.yaml:7: filters\[1\]: alice has no interface "eth9"; it has eth0, lo/);
  assert.equal(statusText(s), before);
  assert.equal(s.net.has('lab'), false);
});

test('the undo log of a failed live pass puts the network back', () => {
  // applyTopology rehearses on a copy first, so a live pass rarely fails; when it does, its undo log runs.
  const net = new Network({ clock: 'virtual', seed: 1 });
  const base = parseTopology(BASE, 'base.yaml');
  applyEntries(net, base, 'base.yaml', null, false);
  const before = topologyToYaml(exportTopology(net));
  const filtersBefore = JSON.stringify(net.filters.list());
  const text = `routers:
  - { name: home, parent: internet, cidr: 192.168.1.0/24, nat: symmetric, minDelay: 5ms }
  - { name: lab, parent: internet, cidr: 10.0.0.0/24 }
hosts:
  - { name: bob, router: lab }
dns:
  - { name: lab.example, ip: 10.0.0.2 }
  - { name: server.example, ip: 10.0.0.3 }
filters:
  - { on: bob, loss: 1% }
  - { on: home/uplink, rate: 1mbit }
  - { on: alice/eth9, loss: 1% }
`;
  const undo: (() => void)[] = [];
  assert.throws(() => applyEntries(net, parseTopology(text, 'f.yaml'), 'f.yaml', undo, false));
  assert.ok(undo.length >= 5, `got ${undo.length} undo steps`);
  for (const step of undo.reverse()) step();
  assert.equal(topologyToYaml(exportTopology(net)), before);
  assert.equal(JSON.stringify(net.filters.list()), filtersBefore);
});
