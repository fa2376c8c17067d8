// External port choice (RFC 4787 §4.2): preservation, no overloading, parity, privileged range, sequential and random.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROTO_ICMP, PROTO_UDP } from '../../../src/wire/packet.js';
import { Rng } from '../../../src/engine/rng.js';
import { PortAllocator, type PortPolicy } from '../../../src/engine/nat/index.js';
import { ip, mapped, rig } from './helpers.js';

const Y = ip('198.51.100.1');
const host = (n: number) => ip(`192.168.1.${n}`);

const POLICY: PortPolicy = { range: [1024, 65535], preservation: false, parity: true, allocation: 'sequential', privilegedSplit: true };

describe('port allocation through the table', () => {
  const cases: { name: string; opts: Parameters<typeof rig>[0]; flows: [number, number][]; want: number[] }[] = [
    { name: 'no preservation: sequential from 49152, parity kept', opts: {}, flows: [[1, 40000], [2, 40001], [3, 40000]], want: [49152, 49153, 49154] },
    { name: 'preservation on: x\' = x when free', opts: { portPreservation: true }, flows: [[1, 40000], [2, 40001]], want: [40000, 40001] },
    { name: 'preservation collision: second host with the same x gets another port of the same parity', opts: { portPreservation: true }, flows: [[1, 40000], [2, 40000], [3, 40000]], want: [40000, 49152, 49154] },
    { name: 'parity off: next free port whatever x is', opts: { portParity: false }, flows: [[1, 40000], [2, 40000], [3, 40001]], want: [49152, 49153, 49154] },
    { name: 'privileged x gets x\' in 1-1023, preserved when free (REQ-3 a)', opts: {}, flows: [[1, 53], [2, 53], [3, 123]], want: [53, 1, 123] },
    { name: 'privileged collision keeps parity', opts: {}, flows: [[1, 80], [2, 80], [3, 80]], want: [80, 2, 4] },
    { name: 'range without 49152 starts at its low end and wraps', opts: { portRange: [60000, 60003], portParity: false }, flows: [[1, 5000], [2, 5000], [3, 5000], [4, 5000]], want: [60000, 60001, 60002, 60003] },
    { name: 'preservation outside the range is not used', opts: { portPreservation: true, portRange: [50000, 50010] }, flows: [[1, 40000]], want: [50000] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { table } = rig(c.opts);
      const got = c.flows.map(([h, x]) => mapped(table.outbound(PROTO_UDP, host(h), x, Y, 3478)).externalPort);
      assert.deepEqual(got, c.want, `got ${got.join(',')}, want ${c.want.join(',')}`);
    });
  }

  it('never overloads: 2000 hosts with the same x get 2000 distinct external ports (REQ-3)', () => {
    const { table } = rig({ portPreservation: true });
    const seen = new Set<number>();
    for (let h = 0; h < 2000; h++) seen.add(mapped(table.outbound(PROTO_UDP, ip('10.0.0.0') + h, 5004, Y, 3478)).externalPort);
    assert.equal(seen.size, 2000, `got ${seen.size} distinct ports, want 2000`);
    for (const p of seen) assert.equal(p % 2, 0, `port ${p} is odd; want the parity of 5004`);
  });

  it('a released port is not handed out again before the cursor wraps', () => {
    const { table } = rig({ portRange: [60000, 60003], portParity: false });
    const a = mapped(table.outbound(PROTO_UDP, host(1), 5000, Y, 1));
    assert.equal(table.delete(a.id), true);
    const b = mapped(table.outbound(PROTO_UDP, host(2), 5000, Y, 1));
    assert.equal(b.externalPort, 60001, `got ${b.externalPort}, want 60001 (60000 was just released)`);
  });

  it('random allocation is reproducible by seed, in range, with parity', () => {
    const run = (seed: number) => {
      const { table } = rig({ allocation: 'random' }, ['203.0.113.1'], seed);
      return Array.from({ length: 20 }, (_, i) => mapped(table.outbound(PROTO_UDP, host(1 + i), 6000 + i, Y, 1)).externalPort);
    };
    const a = run(7);
    const b = run(7);
    const c = run(8);
    assert.deepEqual(a, b, 'same seed must give the same ports');
    assert.notDeepEqual(a, c, 'different seeds gave the same 20 ports');
    a.forEach((p, i) => {
      assert.ok(p >= 1024 && p <= 65535, `port ${p} outside 1024-65535`);
      assert.equal(p % 2, (6000 + i) % 2, `port ${p} has the wrong parity for x=${6000 + i}`);
    });
    assert.equal(new Set(a).size, 20, 'random ports must not repeat');
  });

  it('ICMP query ids are mapped like ports, without parity', () => {
    const { table } = rig({});
    const m = mapped(table.outbound(PROTO_ICMP, host(1), 7, Y, 99));
    const n = mapped(table.outbound(PROTO_ICMP, host(2), 8, Y, 0));
    assert.deepEqual([m.externalPort, n.externalPort], [49152, 49153]);
    assert.equal(table.inbound(PROTO_ICMP, m.externalIp, m.externalPort, Y, 1234), m, 'an echo reply from Y must find the mapping');
    assert.equal(table.inbound(PROTO_ICMP, m.externalIp, m.externalPort, Y + 1, 0), 'nat-filtered');
  });

  it('other protocols are address-only: port 0, one internal host per external IP', () => {
    const GRE = 47;
    const { table } = rig({});
    const m = mapped(table.outbound(GRE, host(1), 1234, Y, 99));
    assert.deepEqual([m.internalPort, m.externalPort], [0, 0]);
    assert.equal(mapped(table.outbound(GRE, host(1), 0, Y, 0)), m);
    assert.equal(table.outbound(GRE, host(2), 0, Y, 0), 'nat-port-exhausted');
    assert.equal(table.inbound(GRE, m.externalIp, 555, Y, 0), m);
    const two = rig({ pooling: 'arbitrary' }, ['203.0.113.1', '203.0.113.2']).table;
    two.outbound(GRE, host(1), 0, Y, 0);
    assert.equal(mapped(two.outbound(GRE, host(2), 0, Y, 0)).externalIp, ip('203.0.113.2'));
  });
});

describe('PortAllocator', () => {
  it('claim/release/isUsed/count', () => {
    const a = new PortAllocator(new Rng(1));
    assert.equal(a.claim(0), true);
    assert.equal(a.claim(65535), true);
    assert.equal(a.claim(65535), false);
    assert.equal(a.claim(65536), false);
    assert.equal(a.count, 2);
    a.release(65535);
    a.release(65535);
    assert.equal(a.isUsed(65535), false);
    assert.equal(a.count, 1);
  });

  it('exhausts a tiny range exactly, then returns null; a release makes room', () => {
    const tiny = [40000, 40003] as const;
    const cases = [
      { name: 'parity on, even x: even ports first, then odd (REQ-4 is a preference)', policy: { ...POLICY, range: tiny }, x: 5000, want: [40000, 40002, 40003, 40001] },
      { name: 'parity on, odd x', policy: { ...POLICY, range: tiny }, x: 5001, want: [40001, 40003, 40000, 40002] },
      { name: 'parity off', policy: { ...POLICY, range: tiny, parity: false }, x: 5000, want: [40000, 40001, 40002, 40003] },
      { name: 'single odd port, even x', policy: { ...POLICY, range: [40001, 40001] as const }, x: 5000, want: [40001] },
      { name: 'across a 32-port word edge', policy: { ...POLICY, range: [40030, 40033] as const, parity: false }, x: 5000, want: [40030, 40031, 40032, 40033] },
      // Random order depends on the seed; compare as a set, even ports before odd ones.
      { name: 'random', policy: { ...POLICY, range: tiny, allocation: 'random' as const }, x: 5000, want: [40000, 40001, 40002, 40003] },
    ];
    for (const c of cases) {
      const a = new PortAllocator(new Rng(3));
      let got: number[] = [];
      for (let p = a.allocate(c.x, c.policy); p !== null; p = a.allocate(c.x, c.policy)) got.push(p);
      if (c.policy.allocation === 'random') {
        assert.deepEqual(got.map((p) => p % 2), [0, 0, 1, 1], `${c.name}: got ${got.join(',')}, want even ports first`);
        got = got.sort((u, v) => u - v);
      }
      assert.deepEqual(got, c.want, `${c.name}: got ${got.join(',')}, want ${c.want.join(',')}`);
      a.release(c.want[0]);
      assert.equal(a.allocate(c.x, c.policy), c.want[0], `${c.name}: after a release, got another port`);
    }
  });

  it('a full 1024-65535 range hands out every even port, then every odd port, once each', () => {
    const a = new PortAllocator(new Rng(1));
    const got: number[] = [];
    for (let p = a.allocate(2000, POLICY); p !== null; p = a.allocate(2000, POLICY)) got.push(p);
    const half = (65536 - 1024) / 2;
    assert.equal(got.length, 2 * half, `got ${got.length} ports, want ${2 * half}`);
    assert.equal(got.slice(0, half).every((p) => p % 2 === 0), true, 'the first half must be even');
    assert.equal(new Set(got).size, got.length, 'a port was handed out twice');
  });
});
