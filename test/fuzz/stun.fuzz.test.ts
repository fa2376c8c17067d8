// Fuzz: the STUN parser and readers on mutated, truncated and random datagrams raise WireError and
// nothing else; the STUN server given the same datagrams never throws, keeps no state, and sends
// nothing back to what is malformed (nothing for an attacker to reflect).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../../src/engine/network.js';
import { stunServers } from '../../src/services/stun-registry.js';
import { parseIpv4 } from '../../src/wire/addr.js';
import { WireError } from '../../src/wire/errors.js';
import {
  addressValue, CHANGE_IP, CHANGE_PORT, changeRequestValue, encodeStun, errorCodeValue, looksLikeStun, parseStun, readChangeRequest, readErrorCode,
  readResponsePort, readStunAddress, readUnknownAttributes, responsePortValue, StunAttr, textValue, unknownAttributesValue, xorAddressValue,
  type StunAttribute, type StunClass,
} from '../../src/wire/stun.js';
import { Fuzz, fuzzCases, fuzzSeed, hexOf, onlyThrows } from './mutate.js';

const CASES = fuzzCases(3000, 0.15);

function seeds(f: Fuzz): Uint8Array[] {
  const msg = (cls: StunClass, attributes: StunAttribute[], fp = true): Uint8Array =>
    encodeStun({ method: 1, cls, transactionId: f.bytes(12), attributes }, fp);
  return [
    msg('request', []),
    msg('request', [], false),
    msg('request', [{ type: StunAttr.CHANGE_REQUEST, value: changeRequestValue(CHANGE_IP | CHANGE_PORT) }]),
    msg('request', [{ type: StunAttr.CHANGE_REQUEST, value: changeRequestValue(CHANGE_PORT) }, { type: StunAttr.SOFTWARE, value: textValue('fuzz') }]),
    msg('request', [{ type: StunAttr.RESPONSE_PORT, value: responsePortValue(5001) }]),
    msg('request', [{ type: StunAttr.PADDING, value: f.bytes(37) }]),
    msg('request', [{ type: 0x7001, value: f.bytes(5) }, { type: 0x8001, value: f.bytes(3) }]),
    msg('success', [
      { type: StunAttr.XOR_MAPPED_ADDRESS, value: xorAddressValue(parseIpv4('203.0.113.1'), 49152) },
      { type: StunAttr.MAPPED_ADDRESS, value: addressValue(parseIpv4('203.0.113.1'), 49152) },
      { type: StunAttr.OTHER_ADDRESS, value: addressValue(parseIpv4('198.51.100.11'), 3479) },
    ]),
    msg('error', [
      { type: StunAttr.ERROR_CODE, value: errorCodeValue(420, 'Unknown Attribute') },
      { type: StunAttr.UNKNOWN_ATTRIBUTES, value: unknownAttributesValue([0x7001]) },
    ]),
  ];
}

/** Every reader on a parsed message (what the server and the probe read). */
function readAll(b: Uint8Array): void {
  const m = parseStun(b);
  for (const t of [StunAttr.MAPPED_ADDRESS, StunAttr.XOR_MAPPED_ADDRESS, StunAttr.OTHER_ADDRESS, StunAttr.RESPONSE_ORIGIN]) readStunAddress(m, t);
  readChangeRequest(m);
  readResponsePort(m);
  readErrorCode(m);
  readUnknownAttributes(m);
}

/** What the server must take as malformed: no answer to it. */
function malformed(b: Uint8Array): boolean {
  if (!looksLikeStun(b)) return true;
  try {
    const m = parseStun(b);
    if (m.cls !== 'request') return true;
    readChangeRequest(m);
    readResponsePort(m);
    return false;
  } catch (err) {
    if (err instanceof WireError) return true;
    throw err;
  }
}

test(`fuzz STUN parser: ${CASES} mutated, truncated and random datagrams raise WireError or nothing`, () => {
  const f = new Fuzz(fuzzSeed('stun-parser'));
  const base = seeds(f);
  let rejected = 0;
  for (let i = 0; i < CASES; i++) {
    const pick = f.pick(base);
    const input = f.chance(0.1) ? f.bytes(f.int(64)) : f.chance(0.15) ? pick.subarray(0, f.int(pick.length)) : f.mutate(pick);
    assert.equal(typeof looksLikeStun(input), 'boolean');
    if (onlyThrows(WireError, `case ${i} parseStun+readers`, hexOf(input), () => readAll(input))) rejected++;
  }
  // The mutations must reach the checks, not only bounce off the header.
  assert.ok(rejected > CASES / 4 && rejected < CASES, `rejected ${rejected} of ${CASES}`);
});

test(`fuzz STUN server: ${CASES} datagrams; no exception escapes, no state kept, no answer to anything malformed`, () => {
  const f = new Fuzz(fuzzSeed('stun-server'));
  const base = seeds(f);
  const net = new Network({ clock: 'virtual', seed: 11 });
  const errors: string[] = [];
  net.on((e) => {
    if (e.type === 'error') errors.push(e.message);
  });
  net.addRouter({ name: 'internet', cidr: '0.0.0.0/0' });
  const client = net.addHost({ name: 'c', router: 'internet', ips: ['198.51.100.2'] });
  const reg = stunServers(net);
  reg.add({ name: 'stun1', router: 'internet', ip: '198.51.100.10', altIp: '198.51.100.11' });
  const sock = client.udpBind(5000);
  const targets: [string, number][] = [['198.51.100.10', 3478], ['198.51.100.10', 3479], ['198.51.100.11', 3478], ['198.51.100.11', 3479]];
  const server = net.host('stun1');
  const socketsBefore = server.ports.size;
  let answered = 0;
  let silent = 0;
  for (let i = 0; i < CASES; i++) {
    const pick = f.pick(base);
    const input = f.chance(0.1) ? f.bytes(f.int(64)) : f.chance(0.15) ? pick.subarray(0, f.int(pick.length)) : f.mutate(pick);
    const bad = malformed(input);
    const rx = client.eth0.stats.rxPackets;
    const [ip, port] = f.pick(targets);
    sock.send(input, port, ip);
    net.runUntilIdle();
    const replies = client.eth0.stats.rxPackets - rx;
    if (bad) {
      assert.equal(replies, 0, `case ${i}: malformed ${hexOf(input)} drew ${replies} datagram(s)`);
      silent++;
    } else {
      assert.equal(replies, 1, `case ${i}: request ${hexOf(input)} drew ${replies} datagrams, want one answer`);
      answered++;
    }
    assert.deepEqual(errors, [], `case ${i}: ${hexOf(input)}`);
  }
  const v = reg.list()[0];
  assert.equal(v.ignored, silent);
  assert.equal(v.answered + v.errors, answered);
  assert.equal(server.ports.size, socketsBefore, 'the server keeps its four sockets and opens none');
  assert.ok(answered > 0 && silent > CASES / 4, `answered ${answered}, silent ${silent}`);
});
