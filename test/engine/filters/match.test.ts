// The pcap-filter subset of --drop-match: which packets each expression matches, error messages, the drop stage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MatchDropStage, parseMatch } from '../../../src/engine/filters/match.js';
import { parseIpv4 } from '../../../src/wire/addr.js';
import { makeIcmp, makeUdp, PROTO_TCP, type Packet } from '../../../src/wire/packet.js';
import { rig } from './helpers.js';

const ip = parseIpv4;
/** Named packets the table refers to. */
const PACKETS: Record<string, Packet> = {
  // UDP 10.0.0.1:5000 → 192.168.1.5:53, 100 bytes
  dns: makeUdp(ip('10.0.0.1'), 5000, ip('192.168.1.5'), 53, new Uint8Array(72)),
  // TCP 192.168.1.5:8080 → 10.0.0.2:40000, 1040 bytes
  web: { ...makeUdp(ip('192.168.1.5'), 8080, ip('10.0.0.2'), 40000, new Uint8Array(1016)), proto: PROTO_TCP },
  // ICMP echo 172.16.0.1 → 10.0.0.1, 84 bytes
  ping: makeIcmp(ip('172.16.0.1'), ip('10.0.0.1'), 8, 0, 1, 1, new Uint8Array(56)),
  // UDP 10.0.0.2:53 → 10.0.0.1:53, 1500 bytes
  big: makeUdp(ip('10.0.0.2'), 53, ip('10.0.0.1'), 53, new Uint8Array(1472)),
};

const TABLE: [string, string[]][] = [
  ['ip', ['dns', 'web', 'ping', 'big']],
  ['udp', ['dns', 'big']],
  ['tcp', ['web']],
  ['icmp', ['ping']],
  ['host 10.0.0.1', ['dns', 'ping', 'big']],
  ['src host 10.0.0.1', ['dns']],
  ['dst host 10.0.0.1', ['ping', 'big']],
  ['src 192.168.1.5', ['web']],
  ['dst 10.0.0.2', ['web']],
  ['ip src 172.16.0.1', ['ping']],
  ['net 10.0.0.0/8', ['dns', 'web', 'ping', 'big']],
  ['src net 10.0.0.0/24', ['dns', 'big']],
  ['dst net 192.168.0.0/16', ['dns']],
  ['net 172.16.0.1', ['ping']],
  ['port 53', ['dns', 'big']],
  ['src port 53', ['big']],
  ['dst port 53', ['dns', 'big']],
  ['udp dst port 53', ['dns', 'big']],
  ['tcp port 53', []],
  ['tcp src port 8080', ['web']],
  ['port 0', []],
  ['portrange 8000-9000', ['web']],
  ['dst portrange 1-1024', ['dns', 'big']],
  ['src portrange 5000-5000', ['dns']],
  ['len > 100', ['web', 'big']],
  ['len < 100', ['ping']],
  ['len >= 100', ['dns', 'web', 'big']],
  ['len <= 100', ['dns', 'ping']],
  ['len == 1500', ['big']],
  ['len>1040', ['big']],
  ['greater 1040', ['web', 'big']],
  ['less 100', ['dns', 'ping']],
  ['not udp', ['web', 'ping']],
  ['!udp', ['web', 'ping']],
  ['udp and dst port 53', ['dns', 'big']],
  ['udp && src host 10.0.0.2', ['big']],
  ['icmp or tcp', ['web', 'ping']],
  ['icmp || tcp', ['web', 'ping']],
  // not > and > or
  ['icmp or udp and src port 53', ['ping', 'big']],
  ['(icmp or udp) and src port 53', ['big']],
  ['not udp and not icmp', ['web']],
  ['not (udp or icmp)', ['web']],
  ['not udp or src port 53', ['web', 'ping', 'big']],
  ['((tcp))', ['web']],
  // a bare value repeats the last qualifiers, as in pcap
  ['host 172.16.0.1 or 192.168.1.5', ['dns', 'web', 'ping']],
  ['dst port 53 or 40000', ['dns', 'web', 'big']],
  ['src or dst port 8080', ['web']],
  ['src and dst port 53', ['big']],
  ['UDP AND DST PORT 53', ['dns', 'big']],
  ['proto 1', ['ping']],
  ['ip proto 17 and not port 53', []],
  ['ip proto 6', ['web']],
];

describe('parseMatch', () => {
  for (const [expr, want] of TABLE) {
    it(`${expr} → ${want.join(', ') || 'nothing'}`, () => {
      const pred = parseMatch(expr);
      const got = Object.keys(PACKETS).filter((name) => pred(PACKETS[name]));
      assert.deepEqual(got, want);
    });
  }

  const ERRORS: [string, string][] = [
    ['udp port x', 'drop-match: expected a port number after "port" at position 9 in "udp port x"'],
    ['udp port', 'drop-match: expected a port number after "port" at the end of "udp port"'],
    ['port 70000', 'drop-match: 70000 is out of range (0-65535) at position 5 in "port 70000"'],
    ['', 'drop-match: the expression is empty; write e.g. "udp and dst port 53"'],
    ['   ', 'drop-match: the expression is empty; write e.g. "udp and dst port 53"'],
    ['host example.com', 'drop-match: expected an IPv4 address after "host" at position 5 in "host example.com"'],
    ['net 10.0.0.1/8', 'drop-match: "10.0.0.1/8" has host bits set at position 4 in "net 10.0.0.1/8"; the prefix is 10.0.0.0/8'],
    ['net ten', 'drop-match: expected a prefix such as 10.0.0.0/8 after "net" at position 4 in "net ten"'],
    ['portrange 9000-8000', 'drop-match: port range 9000-8000 is not within 0-65535 with the low port first at position 10 in "portrange 9000-8000"'],
    ['portrange 80', 'drop-match: expected a port range such as 8000-8100 after "portrange" at position 10 in "portrange 80"'],
    ['(udp or tcp', 'drop-match: expected ")" to close the "(" from position 0 at the end of "(udp or tcp"'],
    ['udp tcp', 'drop-match: unexpected "tcp" at position 4 in "udp tcp"; join primitives with "and" or "or"'],
    ['udp)', 'drop-match: unexpected ")" at position 3 in "udp)"; join primitives with "and" or "or"'],
    ['frobnicate', 'drop-match: unknown word "frobnicate" at position 0 in "frobnicate"; expected one of ip, udp, tcp, icmp, host, net, port, portrange, src, dst, proto, len, greater, less, not or "("'],
    ['udp and', 'drop-match: expected a primitive such as udp, host A, port N at the end of "udp and"'],
    ['53', 'drop-match: "53" has no qualifier at position 0 in "53"; write host, net or port before it'],
    ['len 5', 'drop-match: expected a comparison (>, <, >=, <=, ==, !=) after "len" at position 4 in "len 5"'],
    ['udp & tcp', 'drop-match: unexpected "&" at position 4 in "udp & tcp"; write "and" (&&) or "or" (||)'],
    ['src port', 'drop-match: expected a port number after "port" at the end of "src port"'],
    ['dst foo', 'drop-match: expected host, net, port, portrange or an address after "dst" at position 4 in "dst foo"'],
  ];
  for (const [expr, message] of ERRORS) {
    it(`refuses ${JSON.stringify(expr)}`, () => {
      assert.throws(() => parseMatch(expr), { name: 'VnetError', code: 'EINVAL', message });
    });
  }
});

describe('MatchDropStage', () => {
  it('drops matching packets as match and passes the rest', () => {
    const r = rig();
    const head = r.chain(new MatchDropStage(r.ctx, parseMatch('udp and dst port 53')));
    for (const p of Object.values(PACKETS)) head.push(p);
    assert.deepEqual(r.drops.map((d) => [d.reason, d.pkt]), [['match', PACKETS.dns], ['match', PACKETS.big]]);
    assert.deepEqual(r.got.map((g) => g.pkt), [PACKETS.web, PACKETS.ping]);
  });
});
