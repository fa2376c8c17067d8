// The Linux tbf figure vnet's token bucket is held to, and vnet's own figure for the same setup.
import { buildStages, normalizeFilterSpec } from '../../../src/engine/filters/spec.js';
import { rig, S, udp } from './helpers.js';

/**
 * Linux 6.18, two namespaces joined by a veth pair, `tc qdisc add dev va root tbf rate 4mbit burst 32kb
 * latency 400ms` on the sender's end, a blocking UDP sender of 100-byte payloads for 5 s: the receiver
 * counted 3520.3 datagrams/s between 1 s and 4 s after the first (450,603 IP bytes/s), and `tc -s` showed
 * 2,555,260 bytes for 17,998 packets: 142 bytes each, the 128-byte IP packet plus the 14-byte Ethernet
 * header. test/linux/tbf-netns.test.ts repeats that measurement live.
 */
export const LINUX_TBF_4MBIT_100B_PACKETS_PER_S = 3520.3;

/** Datagrams a 4mbit/32kb tbf filter (built as `filter add` builds it) lets through per second, in steady state. */
export function vnetTbf4mbitPacketsPerSecond(): number {
  const r = rig();
  const head = r.chain(...buildStages(normalizeFilterSpec({ rate: '4mbit', burst: '32kb', queue: '4mb' }, 1500), r.ctx));
  for (let i = 0; i < 25_000; i++) head.push(udp(i, 128));
  r.scheduler.advance(4 * S);
  return r.got.filter((g) => g.time >= 1 * S && g.time < 4 * S).length / 3;
}

