// The PCP server on a virtual gateway with hand-built bytes (RFC 6887): MAP, PEER, ANNOUNCE, the
// version-3 request answered UNSUPP_VERSION (§9), nonces, THIRD_PARTY, FILTER, address mismatch.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpv4 } from '../../src/wire/addr.js';
import { ipv4Mapped, marshalPcp, parsePcp, PcpResult, type PcpOption, type PcpRequest, type PcpResponse } from '../../src/wire/pcp.js';
import { exchange, EXTERNAL, rig, settle } from './natpmp-rig.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const NONCE = hex('0102030405060708090a0b0c');
const ALICE = ipv4Mapped(parseIpv4('192.168.1.2'));

function mapRequest(o: { lifetime?: number; port?: number; external?: number; nonce?: Uint8Array; client?: Uint8Array; options?: PcpOption[]; protocol?: number } = {}): Uint8Array {
  const req: PcpRequest = {
    type: 'pcp-request', version: 2, opcode: 1, lifetime: o.lifetime ?? 600, clientAddress: o.client ?? ALICE, options: o.options ?? [],
    map: { nonce: o.nonce ?? NONCE, protocol: o.protocol ?? 17, internalPort: o.port ?? 5000, externalPort: o.external ?? 0, externalAddress: ipv4Mapped(0) },
  };
  return marshalPcp(req);
}

async function ask(r: ReturnType<typeof rig>, bytes: Uint8Array): Promise<PcpResponse> {
  const raw = r.alice.udpBind(0);
  const got = await exchange(r.net, raw, bytes);
  raw.close();
  assert.ok(got, 'an answer');
  return parsePcp(got) as PcpResponse;
}

describe('PCP server', () => {
  test('MAP (hand-built bytes): success with the assigned external address and port, nonce echoed; the mapping is requested by pcp', async () => {
    const r = rig();
    const bytes = hex(`02 01 0000 00000258 00000000000000000000ffffc0a80102 0102030405060708090a0b0c 11 000000 1388 9c40 00000000000000000000ffff00000000`);
    const res = await ask(r, bytes);
    assert.equal(res.result, PcpResult.Success);
    assert.equal(res.lifetime, 600);
    assert.deepEqual([res.map!.externalPort, [...res.map!.externalAddress.subarray(12)].join('.'), res.map!.nonce], [40000, EXTERNAL, NONCE]);
    const [m] = r.net.router('home').nat!.list();
    assert.deepEqual([m.internal, m.external, m.requested], ['192.168.1.2:5000', `${EXTERNAL}:40000`, 'pcp']);
    // Another nonce may neither renew nor delete it.
    assert.equal((await ask(r, mapRequest({ nonce: new Uint8Array(12) }))).result, PcpResult.NotAuthorized);
    assert.equal((await ask(r, mapRequest({ lifetime: 0, nonce: new Uint8Array(12) }))).result, PcpResult.NotAuthorized);
    const del = await ask(r, mapRequest({ lifetime: 0 }));
    assert.deepEqual([del.result, del.lifetime], [0, 0]);
    assert.equal(r.net.router('home').nat!.list().length, 0);
    r.net.close();
  });

  test('PEER: the flow\'s mapping toward one remote, with its remaining lifetime', async () => {
    const r = rig();
    const bytes = hex(`02 02 0000 00000078 00000000000000000000ffffc0a80102 0102030405060708090a0b0c 11 000000 1388 0000 00000000000000000000ffff00000000 0d96 0000 00000000000000000000ffffc6336407`);
    const res = await ask(r, bytes);
    assert.equal(res.result, PcpResult.Success);
    assert.equal(res.peer!.remotePort, 3478);
    const [m] = r.net.router('home').nat!.list();
    assert.deepEqual([m.internal, m.external, m.remote], ['192.168.1.2:5000', `${EXTERNAL}:${res.peer!.externalPort}`, undefined]);
    assert.equal(res.lifetime, 300, 'a traffic mapping\'s 5-minute idle timeout');
    r.net.close();
  });

  test('a version-3 request is answered UNSUPP_VERSION naming version 2, 24 bytes (RFC 6887 §9); version 1 too', async () => {
    const r = rig();
    for (const v of ['03', '01']) {
      const bytes = hex(`${v} 01 0000 00000258 00000000000000000000ffffc0a80102 ${'00'.repeat(36)}`);
      const raw = r.alice.udpBind(0);
      const got = await exchange(r.net, raw, bytes);
      raw.close();
      assert.equal(got!.length, 24);
      const res = parsePcp(got!) as PcpResponse;
      assert.deepEqual([res.version, res.opcode, res.result, res.lifetime], [2, 1, PcpResult.UnsuppVersion, 0]);
    }
    r.net.close();
  });

  test('a NAT-PMP-only gateway answers PCP with NAT-PMP unsupported version; our client says so', async () => {
    const r = rig(true);
    await assert.rejects(settle(r.net, r.client().pcpMap({ protocol: 'udp', internalPort: 5000 })), { code: 'ERESULT', message: /NAT-PMP only/ });
    r.net.close();
  });

  test('ANNOUNCE, address mismatch, THIRD_PARTY, FILTER, unknown options and opcodes, protocols, allowed ports', async () => {
    const r = rig({ pcp: true, allowPorts: '1024-65535' });
    const announce = marshalPcp({ type: 'pcp-request', version: 2, opcode: 0, lifetime: 0, clientAddress: ALICE, options: [] });
    const a = await ask(r, announce);
    assert.deepEqual([a.opcode, a.result, a.epoch], [0, 0, 0]);
    const cases: [string, Uint8Array, number][] = [
      ['client address ≠ source', mapRequest({ client: ipv4Mapped(parseIpv4('192.168.1.9')) }), PcpResult.AddressMismatch],
      ['THIRD_PARTY without --allow-third-party', mapRequest({ options: [{ type: 'third-party', address: ipv4Mapped(parseIpv4('192.168.1.3')) }] }), PcpResult.NotAuthorized],
      ['FILTER of a prefix shorter than an address', mapRequest({ options: [{ type: 'filter', prefixLength: 120, remotePort: 0, remoteAddress: ipv4Mapped(1) }] }), PcpResult.UnsuppOption],
      ['unknown mandatory option', mapRequest({ options: [{ type: 'unknown', code: 99, data: new Uint8Array(4) }] }), PcpResult.UnsuppOption],
      ['SCTP', mapRequest({ protocol: 132 }), PcpResult.UnsuppProtocol],
      ['internal port outside --allow-ports', mapRequest({ port: 80 }), PcpResult.NotAuthorized],
      ['unknown opcode', marshalPcp({ type: 'pcp-request', version: 2, opcode: 9, lifetime: 0, clientAddress: ALICE, options: [] }), PcpResult.UnsuppOpcode],
    ];
    for (const [name, bytes, want] of cases) assert.equal((await ask(r, bytes)).result, want, name);
    const optional = await ask(r, mapRequest({ options: [{ type: 'unknown', code: 200, data: new Uint8Array(4) }] }));
    assert.equal(optional.result, PcpResult.Success, 'an unknown optional option is ignored');
    r.net.close();
  });

  test('THIRD_PARTY when allowed maps the other LAN host\'s port; PREFER_FAILURE refuses another port', async () => {
    const r = rig({ pcp: true, allowThirdParty: true });
    const res = await ask(r, mapRequest({ options: [{ type: 'third-party', address: ipv4Mapped(parseIpv4('192.168.1.3')) }] }));
    assert.equal(res.result, 0);
    assert.deepEqual(r.net.router('home').nat!.list().map((m) => m.internal), ['192.168.1.3:5000']);
    const taken = res.map!.externalPort;
    const refused = await ask(r, mapRequest({ port: 6000, external: taken, nonce: hex('ffffffffffffffffffffffff'), options: [{ type: 'prefer-failure' }] }));
    assert.equal(refused.result, PcpResult.CannotProvideExternal);
    r.net.close();
  });

  test('FILTER: only the listed peer gets in through the mapping; a renewal with prefix length 0 lets anyone in again', async () => {
    const r = rig();
    const other = r.net.addHost({ name: 'other', router: 'internet', ips: ['198.51.100.8'] });
    const inside = r.alice.udpBind(5000);
    const got: string[] = [];
    inside.on('message', (m: Buffer, from: { address: string }) => got.push(`${m} from ${from.address}`));
    const peer = { type: 'filter' as const, prefixLength: 128, remotePort: 3478, remoteAddress: ipv4Mapped(parseIpv4('198.51.100.7')) };
    const res = await ask(r, mapRequest({ options: [peer] }));
    assert.equal(res.result, PcpResult.Success);
    assert.deepEqual(res.options, [peer], 'the FILTER echoed');
    const port = res.map!.externalPort;
    const fromServer = r.server.udpBind(3478);
    const fromServerOtherPort = r.server.udpBind(3479);
    const fromOther = other.udpBind(3478);
    const sendAll = async (tag: string): Promise<void> => {
      for (const [s, who] of [[fromServer, 'server:3478'], [fromServerOtherPort, 'server:3479'], [fromOther, 'other:3478']] as const) s.sendBytes(Buffer.from(`${tag} ${who}`), port, EXTERNAL);
      r.net.runUntilIdle('1s');
      await settle(r.net, Promise.resolve());
    };
    await sendAll('filtered');
    assert.deepEqual(got, ['filtered server:3478 from 198.51.100.7']);
    got.length = 0;
    assert.equal((await ask(r, mapRequest({ options: [{ ...peer, prefixLength: 0 }] }))).result, PcpResult.Success);
    await sendAll('open');
    assert.deepEqual(got.sort(), ['open other:3478 from 198.51.100.8', 'open server:3478 from 198.51.100.7', 'open server:3479 from 198.51.100.7']);
    const many = Array.from({ length: 17 }, (_, i) => ({ ...peer, remotePort: 1000 + i }));
    assert.equal((await ask(r, mapRequest({ options: many }))).result, PcpResult.ExcessiveRemotePeers);
    r.net.close();
  });

  test('our client: MAP, renew with the nonce, delete', async () => {
    const r = rig();
    const c = r.client({ pcpMrc: 3 });
    const m = await settle(r.net, c.pcpMap({ protocol: 'tcp', internalPort: 8080, lifetime: 60 }));
    assert.equal(m.externalAddress, EXTERNAL);
    const again = await settle(r.net, c.pcpMap({ protocol: 'tcp', internalPort: 8080, lifetime: 120, nonce: m.nonce }));
    assert.deepEqual([again.externalPort, again.lifetime], [m.externalPort, 120]);
    await settle(r.net, c.pcpMap({ protocol: 'tcp', internalPort: 8080, lifetime: 0, nonce: m.nonce }));
    assert.equal(r.net.router('home').nat!.list().length, 0);
    const ann = await settle(r.net, c.announce());
    assert.equal(ann.epoch, 0);
    r.net.close();
  });

  test('PCP retransmission: IRT 3 s doubling with ±10 % jitter, MRC sends then given up', async () => {
    const r = rig(null);
    r.net.router('home').portUnreachable = false;
    const sent: number[] = [];
    r.alice.eth0.addTap({ packet: (p, dir) => { if (dir === 'out' && p.dstPort === 5351) sent.push(r.net.now() / 1e6); } });
    const failed = assert.rejects(r.client({ pcpMrc: 4, random: () => 1 }).announce(), { code: 'ETIMEDOUT' });
    r.net.runUntilIdle('1h');
    await failed;
    // random() = 1 → +10 %: 3.3 s, then min(2 × 3.3, MRT) × 1.1 …
    assert.deepEqual(sent.map((t) => Math.round(t)), [0, 3300, 3300 + 7260, 3300 + 7260 + 15972]);
    r.net.close();
  });
});
