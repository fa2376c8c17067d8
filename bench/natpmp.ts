// NAT-PMP/PCP figures: the first-bytes discriminators against a full parse of the same packets (the
// peer measured in the same run), and mapping requests a gateway serves per second against plain
// UDP round trips to a socket on the same router (the ceiling: the engine's datagram path alone).
import { Network } from '../src/engine/network.js';
import { parseIpv4 } from '../src/wire/addr.js';
import { marshalNatPmp, parseNatPmp, probablyNatPmp } from '../src/wire/natpmp.js';
import { ipv4Mapped, marshalPcp, parsePcp, probablyPcp } from '../src/wire/pcp.js';
import { gatewayServices } from '../src/services/registry.js';

type Report = (f: { name: string; value: number; unit: string; target?: string }) => void;

const PASSES = 2_000_000;
const TRIALS = 7;

/** Median ns per packet of `fn` over `packets`, TRIALS long trials after one warm-up. */
function nsPerPacket(packets: Uint8Array[], fn: (b: Uint8Array) => unknown): number {
  let sink = 0;
  const run = (): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < PASSES; i++) if (fn(packets[i & (packets.length - 1)])) sink++;
    return Number(process.hrtime.bigint() - t0) / PASSES;
  };
  run();
  const times = Array.from({ length: TRIALS }, run).sort((a, b) => a - b);
  if (sink < 0) console.log(sink);
  return times[TRIALS >> 1];
}

function packets(): { pmp: Uint8Array[]; pcp: Uint8Array[]; other: Uint8Array[] } {
  const nonce = new Uint8Array(12).fill(7);
  const map = { nonce, protocol: 17, internalPort: 5000, externalPort: 40000, externalAddress: ipv4Mapped(parseIpv4('203.0.113.10')) };
  const pmp = [
    marshalNatPmp({ type: 'map-response', protocol: 'udp', result: 0, epoch: 99, internalPort: 5000, externalPort: 40000, lifetime: 7200 }),
    marshalNatPmp({ type: 'external-address-response', result: 0, epoch: 99, externalAddress: parseIpv4('203.0.113.10') }),
  ];
  const pcp = [
    marshalPcp({ type: 'pcp-response', version: 2, opcode: 1, result: 0, lifetime: 7200, epoch: 99, map, options: [] }),
    marshalPcp({ type: 'pcp-response', version: 2, opcode: 0, result: 0, lifetime: 0, epoch: 99, options: [] }),
  ];
  // What else shares the socket: a WireGuard data packet (type 4) and a STUN binding response.
  const wg = new Uint8Array(148);
  wg[0] = 4;
  const stun = new Uint8Array(32);
  stun.set([0x01, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42]);
  return { pmp: [...pmp, ...pmp], pcp: [...pcp, ...pcp], other: [wg, stun, wg, stun] };
}

function discriminators(report: Report): void {
  const p = packets();
  const parseOr = (parse: (b: Uint8Array) => unknown) => (b: Uint8Array): unknown => {
    try {
      return parse(b);
    } catch {
      return null;
    }
  };
  report({ name: 'natpmp.loop_floor_ns', value: nsPerPacket(p.pmp, (b) => b.length), unit: 'ns/packet (the bench loop calling b => b.length: the floor under both figures)' });
  report({ name: 'natpmp.probably_ns', value: nsPerPacket(p.pmp, probablyNatPmp), unit: 'ns/packet (NAT-PMP responses)' });
  report({ name: 'natpmp.parse_ns', value: nsPerPacket(p.pmp, parseNatPmp), unit: 'ns/packet (full parse of the same, the peer)' });
  report({ name: 'pcp.probably_ns', value: nsPerPacket(p.pcp, probablyPcp), unit: 'ns/packet (PCP MAP and ANNOUNCE responses)' });
  report({ name: 'pcp.parse_ns', value: nsPerPacket(p.pcp, parsePcp), unit: 'ns/packet (full parse of the same, the peer)' });
  report({ name: 'natpmp.probably_other_ns', value: nsPerPacket(p.other, (b) => probablyNatPmp(b) || probablyPcp(b)), unit: 'ns/packet (both tests, WireGuard/STUN traffic: the cost to everything else)' });
  report({ name: 'natpmp.parse_other_ns', value: nsPerPacket(p.other, parseOr((b) => (b[0] === 0 ? parseNatPmp(b) : parsePcp(b)))), unit: 'ns/packet (parse attempt on the same instead: a WireError each)' });
}

function gateway(): { net: Network; send: (bytes: Uint8Array, port: number) => void; replies: () => number } {
  const net = new Network({ clock: 'virtual', seed: 1 });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  net.addRouter({ name: 'home', parent: 'internet', cidr: '10.0.0.0/16', ips: ['203.0.113.10'], nat: { preset: 'port-restricted', maxMappings: 1_000_000 } });
  const alice = net.addHost({ name: 'alice', router: 'home', ips: ['10.0.0.2'] });
  const sock = alice.udpBind(0, '10.0.0.2');
  let n = 0;
  sock.on('message', () => n++);
  return { net, send: (bytes, port) => void sock.sendBytes(bytes, port, '10.0.0.1'), replies: () => n };
}

/** Requests/s: batches of 1,000 sent, then the engine runs them; median of TRIALS. */
function served(report: Report): void {
  const REQUESTS = 50_000;
  const rate = (setup: (g: ReturnType<typeof gateway>) => (i: number) => Uint8Array, port: number): number => {
    const rates: number[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const g = gateway();
      const make = setup(g);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < REQUESTS; i += 1000) {
        for (let k = i; k < i + 1000; k++) g.send(make(k), port);
        g.net.runDue();
      }
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (g.replies() !== REQUESTS) throw new Error(`${g.replies()} of ${REQUESTS} answered`);
      rates.push(REQUESTS / s);
      g.net.close();
    }
    return rates.sort((a, b) => a - b)[TRIALS >> 1];
  };
  const pmp = rate((g) => {
    gatewayServices(g.net).enableNatPmp('home', true);
    return (i) => marshalNatPmp({ type: 'map-request', protocol: 'udp', internalPort: 1024 + (i % 60000), suggestedExternalPort: 0, lifetime: 3600 });
  }, 5351);
  const echo = rate((g) => {
    const r = g.net.router('home').udpBind(7, '10.0.0.1');
    r.on('message', (m: Buffer, from: { address: string; port: number }) => r.sendBytes(m, from.port, from.address));
    const bytes = new Uint8Array(12);
    return () => bytes;
  }, 7);
  // The NAT's own share: the same 50,000 explicit mappings made by NatTable.add alone.
  const adds: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const g = gateway();
    const nat = g.net.router('home').nat as unknown as { add(r: object): unknown };
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < REQUESTS; i++) nat.add({ proto: 17, internalIp: 0x0a000002, internalPort: 1024 + (i % 60000), lifetimeNs: 3600e9, requestedBy: 'natpmp' });
    adds.push(REQUESTS / (Number(process.hrtime.bigint() - t0) / 1e9));
    g.net.close();
  }
  report({ name: 'natpmp.nat_add_per_s', value: Math.round(adds.sort((a, b) => a - b)[TRIALS >> 1]), unit: 'mappings/s (NatTable.add alone for the same requests: the NAT\'s share)' });
  report({ name: 'natpmp.map_requests_per_s', value: Math.round(pmp), unit: 'requests/s (NAT-PMP map UDP, 50,000 per trial, each a new mapping)' });
  report({ name: 'natpmp.echo_ceiling_per_s', value: Math.round(echo), unit: 'round trips/s (12-byte UDP echo from the same router socket: the ceiling)' });
}

export function natpmpBench(report: Report): void {
  discriminators(report);
  served(report);
}
