// Fuzz: the NAT-PMP and PCP parsers and the gateway's server on random, truncated and mutated
// packets (seeded). The parsers raise WireError and nothing else, and what parses marshals again;
// the server lets no exception escape, and a datagram that does not parse changes no state and gets
// no answer (nothing for an attacker to reflect); no PCP answer is longer than its request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpv4 } from '../../src/wire/addr.js';
import { WireError } from '../../src/wire/errors.js';
import { marshalNatPmp, parseNatPmp, probablyNatPmp } from '../../src/wire/natpmp.js';
import { ipv4Mapped, marshalPcp, parsePcp, probablyPcp, type PcpOption } from '../../src/wire/pcp.js';
import { marshalMessage, parseMessage } from '../../src/services/natpmp/conn.js';
import { rig } from '../services/natpmp-rig.js';
import { Fuzz, fuzzCases, fuzzSeed, hexOf, onlyThrows } from './mutate.js';

const CASES = fuzzCases(3000, 0.3);
const ALICE = ipv4Mapped(parseIpv4('192.168.1.2'));

function seeds(f: Fuzz): Uint8Array[] {
  const nonce = f.bytes(12);
  const map = { nonce, protocol: 17, internalPort: 5000, externalPort: 0, externalAddress: ipv4Mapped(0) };
  const options: PcpOption[] = [{ type: 'third-party', address: ipv4Mapped(parseIpv4('192.168.1.3')) }, { type: 'prefer-failure' }, { type: 'unknown', code: 200, data: f.bytes(5) }];
  return [
    marshalNatPmp({ type: 'external-address-request' }),
    marshalNatPmp({ type: 'map-request', protocol: 'udp', internalPort: 5000, suggestedExternalPort: 40000, lifetime: 60 }),
    marshalNatPmp({ type: 'map-request', protocol: 'tcp', internalPort: 0, suggestedExternalPort: 0, lifetime: 0 }),
    marshalNatPmp({ type: 'map-response', protocol: 'udp', result: 0, epoch: 5, internalPort: 5000, externalPort: 40000, lifetime: 60 }),
    marshalPcp({ type: 'pcp-request', version: 2, opcode: 0, lifetime: 0, clientAddress: ALICE, options: [] }),
    marshalPcp({ type: 'pcp-request', version: 2, opcode: 1, lifetime: 600, clientAddress: ALICE, map, options: [] }),
    marshalPcp({ type: 'pcp-request', version: 2, opcode: 1, lifetime: 0, clientAddress: ALICE, map, options: [options[1]] }),
    marshalPcp({ type: 'pcp-request', version: 2, opcode: 2, lifetime: 120, clientAddress: ALICE, peer: { ...map, remotePort: 3478, remoteAddress: ipv4Mapped(parseIpv4('198.51.100.7')) }, options }),
    marshalPcp({ type: 'pcp-response', version: 2, opcode: 1, result: 0, lifetime: 600, epoch: 9, map, options: [] }),
  ];
}

test(`fuzz NAT-PMP/PCP parsers: ${CASES} mutated packets raise WireError or nothing; what parses marshals again`, () => {
  const f = new Fuzz(fuzzSeed('natpmp-pcp-parsers'));
  const base = seeds(f);
  for (let i = 0; i < CASES; i++) {
    const input = f.chance(0.1) ? f.bytes(f.int(64)) : f.mutate(f.pick(base));
    const hex = hexOf(input);
    onlyThrows(WireError, `case ${i} parseNatPmp`, hex, () => void marshalNatPmp(parseNatPmp(input)));
    onlyThrows(WireError, `case ${i} parsePcp`, hex, () => {
      const m = parsePcp(input);
      assert.deepEqual(parsePcp(marshalPcp(m)), m, `case ${i}: PCP round trip of ${hex}`);
    });
    onlyThrows(WireError, `case ${i} parseMessage`, hex, () => void marshalMessage(parseMessage(input)));
    // The discriminators are cheap guesses: no false negative on a message that parses whole.
    let pmp: ReturnType<typeof parseNatPmp> | undefined;
    try {
      pmp = parseNatPmp(input);
    } catch {
      pmp = undefined;
    }
    if (pmp !== undefined && (input[1] <= 2 || (input[1] >= 0x80 && input[1] <= 0x82)) && marshalNatPmp(pmp).length === input.length) {
      assert.ok(probablyNatPmp(input), `case ${i}: ${hex} parses as NAT-PMP but probablyNatPmp says no`);
    }
    let pcpOk = true;
    try {
      parsePcp(input);
    } catch {
      pcpOk = false;
    }
    if (pcpOk && (input[1] & 0x7f) <= 2) assert.ok(probablyPcp(input), `case ${i}: ${hex} parses as PCP but probablyPcp says no`);
  }
});

/** Well-formed-enough requests the server answers although the parsers refuse them (RFC 6886 §3.5, RFC 6887 §9). */
function answeredUnparsed(b: Uint8Array): boolean {
  if (b.length < 2 || (b[1] & 0x80) !== 0) return false;
  if (b[0] === 0) return b[1] > 2;
  return b[0] !== 2 && b.length >= 24;
}

test(`fuzz the NAT-PMP/PCP server: ${CASES} mutated requests; no exception, no answer and no state change for what does not parse`, () => {
  const f = new Fuzz(fuzzSeed('natpmp-pcp-server'));
  const base = seeds(f);
  const { net, alice } = rig({ pcp: true, allowThirdParty: true });
  const escaped: unknown[] = [];
  net.scheduler.onTaskError = (err) => escaped.push(err);
  const raw = alice.udpBind(0);
  const replies: Buffer[] = [];
  raw.on('message', (m: Buffer) => replies.push(m));
  const nat = net.router('home').nat!;
  const state = (): string => JSON.stringify(nat.list());
  let answered = 0;
  for (let i = 0; i < CASES; i++) {
    const input = f.chance(0.1) ? f.bytes(f.int(64)) : f.mutate(f.pick(base));
    const hex = hexOf(input);
    let parses = true;
    try {
      parseMessage(input);
    } catch {
      parses = false;
    }
    const before = state();
    replies.length = 0;
    const err = raw.sendBytes(input, 5351, '192.168.1.1');
    if (err) continue; // an empty datagram and the like: nothing sent
    net.runDue();
    assert.deepEqual(escaped, [], `case ${i}: ${hex} threw in the engine`);
    if (!parses) {
      assert.equal(state(), before, `case ${i}: ${hex} does not parse yet changed the NAT table`);
      if (!answeredUnparsed(input)) assert.equal(replies.length, 0, `case ${i}: ${hex} does not parse yet got an answer ${replies[0]?.toString('hex')}`);
    }
    if (replies.length > 0) {
      answered++;
      if (input[0] !== 0) assert.ok(replies[0].length <= input.length, `case ${i}: a PCP answer of ${replies[0].length} bytes to ${input.length}`);
    }
    if (i % 500 === 0) net.advance('10m');
  }
  assert.ok(answered > CASES / 10, `only ${answered} of ${CASES} requests answered: the seeds should mostly stay valid`);
  net.close();
});
