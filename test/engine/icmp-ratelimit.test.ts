// ICMP error rate limiting like Linux: per destination (icmp_ratelimit, bursts of 6), node-wide
// (icmp_msgs_per_sec / icmp_msgs_burst), exemptions, configuration; in the engine on hosts and routers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IcmpRateLimiter, MAX_TRACKED_DESTINATIONS, parseIcmpRatelimit } from '../../src/engine/icmp-ratelimit.js';
import { Network } from '../../src/engine/network.js';
import type { IcmpMessage } from '../../src/engine/node.js';
import { formatIpv4 } from '../../src/wire/addr.js';
import { ICMP_DEST_UNREACHABLE, ICMP_ECHO_REPLY, ICMP_TIME_EXCEEDED, UNREACH_FRAG_NEEDED, UNREACH_PORT } from '../../src/wire/packet.js';

const MS = 1_000_000;
const S = 1000 * MS;
const DST = 0x0a000001;

/**
 * Linux 6.18 (net.ipv4.icmp_ratelimit = 1000, icmp_ratemask = 6168, icmp_msgs_per_sec = 1000,
 * icmp_msgs_burst = 50), two namespaces on a veth pair, 20 UDP datagrams to a closed port 50 ms apart:
 * 6 port unreachables came back. test/linux/icmp-ratelimit-netns.test.ts measures it live.
 */
const LINUX_ERRORS_OF_20_IN_1S = 6;

/** Which of the calls at these times (ns) the limiter allows. */
function allowedAt(limiter: IcmpRateLimiter, times: number[], type = ICMP_DEST_UNREACHABLE, code = UNREACH_PORT, dst = DST): number[] {
  return times.filter((t) => limiter.allow(dst, type, code, t));
}

const every50ms = (n: number, from = 0): number[] => [...Array(n).keys()].map((i) => from + i * 50 * MS);

describe('IcmpRateLimiter', () => {
  it('lets 6 of 20 errors to one destination through within 1 s, as Linux does', () => {
    const limiter = new IcmpRateLimiter();
    const allowed = allowedAt(limiter, every50ms(20));
    assert.equal(allowed.length, LINUX_ERRORS_OF_20_IN_1S);
    assert.deepEqual(allowed, every50ms(6), 'the first six, at once');
    assert.equal(limiter.limitedPerDestination, 14);
  });

  it('then one per second, and a burst of 6 again after 6 s of quiet', () => {
    const limiter = new IcmpRateLimiter();
    // The six spend 6 s of credit but 250 ms came in meanwhile: 250 ms left after the sixth, so the
    // seventh goes at 1 s (0.95 s after 19 more datagrams was not enough), the eighth at 2 s.
    allowedAt(limiter, every50ms(20));
    assert.deepEqual(allowedAt(limiter, every50ms(30, 1000 * MS)), [1000 * MS, 2000 * MS]);
    assert.equal(allowedAt(limiter, every50ms(10, 20 * S)).length, 6);
  });

  it('keeps one bucket per destination', () => {
    const limiter = new IcmpRateLimiter();
    assert.equal(allowedAt(limiter, every50ms(20), ICMP_DEST_UNREACHABLE, UNREACH_PORT, 1).length, 6);
    assert.equal(allowedAt(limiter, every50ms(20), ICMP_DEST_UNREACHABLE, UNREACH_PORT, 2).length, 6);
  });

  it('never limits "fragmentation needed" or types outside icmp_ratemask; limits time exceeded', () => {
    const limiter = new IcmpRateLimiter();
    assert.equal(allowedAt(limiter, every50ms(20), ICMP_DEST_UNREACHABLE, UNREACH_FRAG_NEEDED).length, 20);
    assert.equal(allowedAt(limiter, every50ms(20), ICMP_ECHO_REPLY, 0).length, 20);
    assert.equal(allowedAt(limiter, every50ms(20), ICMP_TIME_EXCEEDED, 0).length, 6);
  });

  it('takes its interval from icmp_ratelimit: 250 ms gives one more every 250 ms; 0 turns limiting off', () => {
    const quarter = new IcmpRateLimiter();
    quarter.intervalNs = 250 * MS;
    // The bucket holds 6 × 250 ms = 1.5 s and gains 50 ms per datagram: after the sixth (250 ms) 250 ms
    // are left, enough for a seventh at 300 ms; then one each time 250 ms have come in: 500, 750 ms.
    assert.deepEqual(allowedAt(quarter, every50ms(20)).slice(6), [300 * MS, 500 * MS, 750 * MS]);
    const off = new IcmpRateLimiter();
    off.intervalNs = 0;
    assert.equal(allowedAt(off, every50ms(2000)).length, 2000);
  });

  it('caps the node at 50 errors at once and 1000/s (icmp_msgs_burst, icmp_msgs_per_sec)', () => {
    const limiter = new IcmpRateLimiter();
    const burst = [...Array(100).keys()].filter((d) => limiter.allow(d + 1, ICMP_DEST_UNREACHABLE, UNREACH_PORT, 0));
    assert.equal(burst.length, 50);
    assert.equal(limiter.limitedGlobal, 50);
    // Nothing before 20 ms (HZ/50), then 20 ms × 1000/s = 20 more.
    assert.equal([...Array(100).keys()].filter((d) => limiter.allow(1000 + d, ICMP_DEST_UNREACHABLE, UNREACH_PORT, 19 * MS)).length, 0);
    assert.equal([...Array(100).keys()].filter((d) => limiter.allow(2000 + d, ICMP_DEST_UNREACHABLE, UNREACH_PORT, 20 * MS)).length, 20);
  });

  it('tracks a bounded number of destinations', () => {
    const limiter = new IcmpRateLimiter();
    for (let d = 0; d < MAX_TRACKED_DESTINATIONS * 3; d++) limiter.allow(d, ICMP_DEST_UNREACHABLE, UNREACH_PORT, d * S);
    assert.ok(limiter.trackedDestinations <= MAX_TRACKED_DESTINATIONS, `tracks ${limiter.trackedDestinations}`);
  });

  it('parses --icmp-ratelimit: durations, numbers in ms, 0; refuses over an hour', () => {
    assert.deepEqual([parseIcmpRatelimit(undefined), parseIcmpRatelimit('250ms'), parseIcmpRatelimit(2000), parseIcmpRatelimit('0')], [S, 250 * MS, 2 * S, 0]);
    assert.throws(() => parseIcmpRatelimit('2h'), { code: 'EINVAL', message: 'icmp-ratelimit 2h is over 1h; give e.g. 1s, or 0 for no limit' });
    assert.throws(() => parseIcmpRatelimit('soon'), /icmp-ratelimit "soon" is not a duration/);
  });
});

/** internet with hosts a and b, and a router `home` behind it; a sends 20 datagrams 50 ms apart to `to`:9 (nobody listens). */
function errorsFor20(to: (net: Network) => string, icmpRatelimit?: string | number): { errors: IcmpMessage[]; net: Network } {
  const net = new Network({ clock: 'virtual' });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0', icmpRatelimit });
  net.addHost({ name: 'a', router: 'internet', ips: ['198.51.100.1'] });
  net.addHost({ name: 'b', router: 'internet', ips: ['198.51.100.2'] });
  const errors: IcmpMessage[] = [];
  net.host('a').onIcmp((m) => {
    if (m.type === ICMP_DEST_UNREACHABLE) errors.push(m);
  });
  const s = net.host('a').udpBind(4000);
  for (let i = 0; i < 20; i++) {
    s.send(`probe ${i}`, 9, to(net));
    net.advance('50ms');
  }
  net.runUntilIdle();
  return { errors, net };
}

describe('ICMP errors in the engine', () => {
  it('a host answers 6 of 20 datagrams to a closed port within 1 s with port unreachable', () => {
    const { errors, net } = errorsFor20(() => '198.51.100.2');
    assert.equal(errors.length, LINUX_ERRORS_OF_20_IN_1S);
    assert.equal(net.host('b').icmpLimiter.limitedPerDestination, 14);
    assert.equal(net.iface('b/eth0').stats.drops.get('port-unreachable'), 20, 'every datagram is still dropped and counted');
  });

  it('a router does the same for its own address, and sends all 20 with --icmp-ratelimit 0', () => {
    const gateway = (net: Network): string => formatIpv4(net.router('internet').gateway);
    assert.equal(errorsFor20(gateway).errors.length, 6);
    assert.equal(errorsFor20(gateway, 0).errors.length, 20);
    const limited = errorsFor20(gateway, '100ms');
    // The bucket starts with 600 ms and gains 50 ms per datagram while each error spends 100 ms: the
    // first 11 (0-500 ms) pass, then every other one (600, 700, 800, 900 ms): 15.
    assert.equal(limited.errors.length, 15);
  });

  it('is deterministic on the virtual clock', () => {
    const times = (): number[] => {
      const net = new Network({ clock: 'virtual' });
      net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
      net.addHost({ name: 'a', router: 'internet', ips: ['198.51.100.1'] });
      net.addHost({ name: 'b', router: 'internet', ips: ['198.51.100.2'] });
      const got: number[] = [];
      net.host('a').onIcmp(() => got.push(net.now()));
      const s = net.host('a').udpBind(4000);
      for (let i = 0; i < 100; i++) {
        s.send('x', 9, '198.51.100.2');
        net.advance('37ms');
      }
      return got;
    };
    const first = times();
    assert.ok(first.length > 6 && first.length < 100, `some errors come and the limit holds the rest back: ${first.length} of 100`);
    assert.deepEqual(times(), first);
  });
});
