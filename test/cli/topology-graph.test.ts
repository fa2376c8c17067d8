// `vnet show`: the topology as a text tree, Graphviz dot (rendered by `dot` when installed) and Mermaid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Network } from '../../src/engine/network.js';
import { hostView, routerView } from '../../src/session/views.js';
import { topologyDot, topologyMermaid, topologyText, topologyTree, type TopologyRouter } from '../../src/cli/topology-graph.js';
import { requireTool } from '../e2e/real-programs.js';

function lab(): TopologyRouter[] {
  const net = new Network({ clock: 'virtual', seed: 1 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'home', parent: 'internet', cidr: '192.168.1.0/24', nat: 'symmetric', ips: ['203.0.113.10'] });
  net.addRouter({ name: 'isp-2', parent: 'internet', cidr: '10.0.0.0/8', nat: 'full-cone' });
  net.addHost({ name: 'alice', router: 'home' });
  net.addHost({ name: 'bob.lan', router: 'isp-2' });
  net.addHost({ name: 'server', router: 'internet', ips: ['198.51.100.7'] });
  net.addFilter('home/uplink', { loss: '2%', delay: '30ms' });
  net.addFilter('bob.lan', { loss: '1%' });
  const trees = topologyTree(net.routers.map(routerView), net.hosts.map(hostView), net.filters.list());
  net.close();
  return trees;
}

test('the text tree nests routers under their parent, hosts under their router, filters under their node', () => {
  assert.deepEqual(topologyText(lab()), [
    'router internet 0.0.0.0/0 gateway 192.0.2.1',
    '├── host server 198.51.100.7',
    '├── router home 192.168.1.0/24 gateway 192.168.1.1 uplink 203.0.113.10 nat symmetric (APDM/APDF) hairpin lifetime 5m',
    '│   ├── filter 1 home/uplink: egress loss 2% delay 30ms',
    '│   └── host alice 192.168.1.2',
    '└── router isp-2 10.0.0.0/8 gateway 10.0.0.1 uplink 1.0.0.1 nat full-cone (EIM/EIF) hairpin lifetime 5m',
    '    └── host bob.lan 10.0.0.2',
    '        └── filter 2 bob.lan/eth0: egress loss 1%',
  ]);
  assert.match(topologyText([])[0], /^no routers; /);
});

test('dot: a digraph Graphviz renders, one node per router and host, one edge per link', () => {
  const dot = topologyDot(lab()).join('\n');
  assert.equal((dot.match(/ -> /g) ?? []).length, 5, 'home, isp-2, server under internet; alice; bob.lan');
  assert.match(dot, /"router:home" \[shape=box, label="home\\n192\.168\.1\.0\/24\\nuplink 203\.0\.113\.10\\nNAT symmetric/);
  assert.match(dot, /"host:bob\.lan" \[shape=ellipse, label="bob\.lan\\n10\.0\.0\.2\\nfilter 2 bob\.lan\/eth0: egress loss 1%"\];/);
  requireTool('dot', 'graphviz');
  const r = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'no warnings');
  for (const name of ['internet', 'home', 'isp-2', 'alice', 'bob.lan', 'server']) assert.ok(r.stdout.includes(`>${name.replace(/-/g, '&#45;')}</text>`), `${name} drawn`);
});

test('mermaid: a flowchart of plain ids, quoted labels, and edges between defined nodes only', () => {
  const lines = topologyMermaid(lab());
  assert.equal(lines[0], 'flowchart TD');
  const defined = new Set<string>();
  const edges: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const node = /^ {2}([rh]\d+)(\["[^"]*"\]|\(\["[^"]*"\]\))$/.exec(line);
    const edge = /^ {2}([rh]\d+) --> ([rh]\d+)$/.exec(line);
    assert.ok(node || edge, `a node or an edge: ${line}`);
    if (node) defined.add(node[1]);
    if (edge) edges.push([edge[1], edge[2]]);
  }
  assert.equal(defined.size, 6);
  assert.equal(edges.length, 5);
  for (const [a, b] of edges) assert.ok(defined.has(a) && defined.has(b), `${a} --> ${b} joins defined nodes`);
  assert.ok(lines.some((l) => l.includes('(["bob.lan<br/>10.0.0.2<br/>filter 2 bob.lan/eth0: egress loss 1%"])')), 'hosts are stadiums with their addresses and filters');
});

test('a router with several LANs: each LAN a branch with what is on it; dot and Mermaid name the LANs and link every node', () => {
  const net = new Network({ clock: 'virtual', seed: 1 });
  net.addRouter({ name: 'office', cidr: '10.1.0.0/24' });
  net.addLan({ router: 'office', cidr: '10.2.0.0/24' });
  net.addHost({ name: 'a', router: 'office' });
  net.addHost({ name: 'b', router: 'office', lan: 'lan2' });
  net.addRouter({ name: 'lab', parent: 'office', parentLan: 'lan2', cidr: '10.20.0.0/24', nat: 'none' });
  const trees = topologyTree(net.routers.map(routerView), net.hosts.map(hostView), net.filters.list());
  net.close();
  assert.deepEqual(topologyText(trees), [
    'router office 10.1.0.0/24 gateway 10.1.0.1',
    '├── host a 10.1.0.2',
    '└── lan office/lan2 10.2.0.0/24 gateway 10.2.0.1',
    '    ├── host b 10.2.0.2',
    '    └── router lab 10.20.0.0/24 gateway 10.20.0.1 uplink 10.2.0.3 nat none',
  ]);
  const dot = topologyDot(trees).join('\n');
  assert.match(dot, /"router:office" \[shape=box, label="office\\n10\.1\.0\.0\/24\\nlan2 10\.2\.0\.0\/24"\];/);
  assert.match(dot, /"router:office" -> "host:b";/);
  assert.match(dot, /"router:office" -> "router:lab";/);
  assert.match(topologyMermaid(trees).join('\n'), /r0\["<b>office<\/b><br\/>10\.1\.0\.0\/24<br\/>lan2 10\.2\.0\.0\/24"\]/);
});
