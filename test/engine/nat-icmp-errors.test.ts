// Inbound ICMP errors through the NAT pass only when their quote names a flow the NAT holds both
// ways: a live mapping and a remote its filtering lets in. Linux (nftables masquerade, measured in
// /work/shared/spec/nat-behaviour.md "Measured on Linux"): conntrack forwards an error only when the
// quoted packet matches a tracked connection; a forged error quoting a never-contacted remote is dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, natNetwork } from '../helpers.js';
import { icmpError } from '../../src/engine/icmp.js';
import type { NetworkEvent } from '../../src/engine/events.js';
import type { IcmpNotice } from '../../src/engine/socket.js';
import type { Network } from '../../src/engine/network.js';
import { parseIpv4 } from '../../src/wire/addr.js';
import { ICMP_DEST_UNREACHABLE, makeUdp, UNREACH_PORT } from '../../src/wire/packet.js';

const NAT_EXT = '203.0.113.1';

/** x:4000 sends to y1:7000 through the NAT; returns x's socket's ICMP notices and the mapped port. */
function contacted(net: Network): { notices: IcmpNotice[]; mapped: number } {
  const x = net.host('x').udpBind(4000);
  const atY = collect(net.host('y1').udpBind(7000), net);
  const notices: IcmpNotice[] = [];
  x.on('icmp', (n: IcmpNotice) => notices.push(n));
  x.send('out', 7000, '198.51.100.1');
  net.runUntilIdle();
  assert.equal(atY.length, 1);
  return { notices, mapped: atY[0].port };
}

/** z sends a port unreachable as if NAT_EXT:mapped → quotedDst:quotedPort had bounced. */
function forge(net: Network, mapped: number, quotedDst: string, quotedPort: number): void {
  const offending = makeUdp(parseIpv4(NAT_EXT), mapped, parseIpv4(quotedDst), quotedPort, new Uint8Array(4));
  const err = icmpError(offending, parseIpv4('198.51.100.3'), ICMP_DEST_UNREACHABLE, UNREACH_PORT)!;
  net.host('z').output(err);
  net.runUntilIdle();
}

const cases: { name: string; filtering: 'ei' | 'ad' | 'apd'; dst: string; port: number; passes: boolean }[] = [
  // Linux's behaviour (APDF, the default): only the exact remote endpoint of a tracked flow.
  { name: 'APDF, the contacted remote', filtering: 'apd', dst: '198.51.100.1', port: 7000, passes: true },
  { name: 'APDF, a never-contacted remote (Linux drops it)', filtering: 'apd', dst: '198.51.100.3', port: 9000, passes: false },
  { name: 'APDF, the contacted host on another port', filtering: 'apd', dst: '198.51.100.1', port: 7001, passes: false },
  // ADF lets any port of a contacted host in, so errors about it pass too.
  { name: 'ADF, the contacted host on another port', filtering: 'ad', dst: '198.51.100.1', port: 7001, passes: true },
  { name: 'ADF, a never-contacted host', filtering: 'ad', dst: '198.51.100.3', port: 9000, passes: false },
  // EIF lets anyone in through a live mapping; an error quoting anyone is no stronger than that.
  { name: 'EIF, a never-contacted host', filtering: 'ei', dst: '198.51.100.3', port: 9000, passes: true },
];

for (const c of cases) {
  test(`inbound ICMP error, ${c.name}: ${c.passes ? 'forwarded to the socket' : 'dropped as nat-icmp-unmatched'}`, () => {
    const net = natNetwork({ mapping: 'ei', filtering: c.filtering });
    const events: NetworkEvent[] = [];
    net.events.on((e) => events.push(e));
    const { notices, mapped } = contacted(net);
    forge(net, mapped, c.dst, c.port);
    const drops = net.iface('home/uplink').stats.drops.get('nat-icmp-unmatched') ?? 0;
    if (c.passes) {
      assert.equal(notices.length, 1, `got ${notices.length} notices, want 1`);
      assert.deepEqual(notices[0].remote, { address: c.dst, family: 'IPv4', port: c.port });
      assert.equal(drops, 0);
    } else {
      assert.equal(notices.length, 0, `got ${notices.length} notices, want 0`);
      assert.equal(drops, 1, `got ${drops} nat-icmp-unmatched drops, want 1`);
      const dropEvents = events.filter((e) => e.type === 'drop' && 'reason' in e && e.reason === 'nat-icmp-unmatched');
      assert.equal(dropEvents.length, 1, 'the drop reaches the event stream');
    }
    // REQ-12 / RFC 5382 REQ-10: an ICMP error never removes the mapping.
    assert.equal(net.router('home').nat!.size, 1);
  });
}

test('inbound ICMP error quoting an expired mapping is not forwarded inside', () => {
  const net = natNetwork({ preset: 'port-restricted', lifetime: '30s' });
  const { notices, mapped } = contacted(net);
  net.advance('31s');
  forge(net, mapped, '198.51.100.1', 7000);
  assert.equal(notices.length, 0);
});
