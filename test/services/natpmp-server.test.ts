// The NAT-PMP server on a virtual gateway, driven by our client: lifetimes on the virtual clock,
// renewal, delete, the outside reaching in through a requested mapping, LAN side only, result codes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { marshalNatPmp, parseNatPmp } from '../../src/wire/natpmp.js';
import type { MappingView } from '../../src/engine/nat/view.js';
import { exchange, EXTERNAL, GATEWAY, rig, S, settle } from './natpmp-rig.js';

const requested = (net: ReturnType<typeof rig>['net']): MappingView[] => net.router('home').nat!.list().filter((m) => m.requested !== undefined);

describe('NAT-PMP server', () => {
  test('external address and epoch (seconds since the service started)', async () => {
    const { net, client } = rig();
    net.advance('90s');
    const r = await settle(net, client().externalAddress());
    assert.deepEqual(r, { address: EXTERNAL, epoch: 90 });
    net.close();
  });

  test('a mapping granted for 60 s expires at 60 s; a renewal extends it; lifetime 0 deletes it', async () => {
    const { net, client, events } = rig();
    const c = client();
    const m = await settle(net, c.map({ protocol: 'udp', internalPort: 5000, lifetime: 60 }));
    assert.equal(m.lifetime, 60);
    const [view] = requested(net);
    assert.deepEqual([view.internal, view.external, view.requested, view.expiresInNs], ['192.168.1.2:5000', `${EXTERNAL}:${m.externalPort}`, 'natpmp', 60 * S]);
    net.advance(`${60 * S - 1}ns`);
    assert.equal(requested(net).length, 1, 'alive 1 ns before 60 s');
    net.advance('1ns');
    assert.equal(requested(net).length, 0, 'gone at 60 s');
    const expired = events.filter((e) => e.type === 'mapping-expired');
    assert.deepEqual(expired.map((e) => [e.time, (e as { requested?: string }).requested]), [[60 * S, 'natpmp']]);

    const again = await settle(net, c.map({ protocol: 'udp', internalPort: 5000, lifetime: 60 }));
    net.advance('30s');
    const renewed = await settle(net, c.map({ protocol: 'udp', internalPort: 5000, externalPort: again.externalPort, lifetime: 60 }));
    assert.equal(renewed.externalPort, again.externalPort, 'a renewal keeps the port');
    net.advance('59s');
    assert.equal(requested(net).length, 1, 'renewed at 30 s: alive at 89 s');
    net.advance('1s');
    assert.equal(requested(net).length, 0, 'and gone at 90 s');

    await settle(net, c.map({ protocol: 'tcp', internalPort: 22, externalPort: 2222, lifetime: 3600 }));
    assert.equal(requested(net)[0].external, `${EXTERNAL}:2222`, 'the suggested port when free');
    const del = await settle(net, c.unmap('tcp', 22));
    assert.deepEqual([del.externalPort, del.lifetime], [0, 0]);
    assert.equal(requested(net).length, 0);
    assert.ok(events.some((e) => e.type === 'mapping-deleted'));
    net.close();
  });

  test('the longest lifetime granted is --max-lifetime', async () => {
    const { net, client } = rig({ maxLifetime: '2h' });
    const m = await settle(net, client().map({ protocol: 'udp', internalPort: 5000, lifetime: 86400 }));
    assert.equal(m.lifetime, 7200);
    net.close();
  });

  test('an outside host reaches the inside host through the requested mapping (port-restricted NAT: only through it)', async () => {
    const { net, alice, server, client } = rig();
    const inside = alice.udpBind(5000);
    const got: string[] = [];
    inside.on('message', (msg: Buffer, r: { address: string; port: number }) => got.push(`${msg} from ${r.address}:${r.port}`));
    const out = server.udpBind(7000);
    out.sendBytes(Buffer.from('before'), 40000, EXTERNAL);
    net.runUntilIdle('1s');
    const m = await settle(net, client().map({ protocol: 'udp', internalPort: 5000, externalPort: 40000, lifetime: 600 }));
    out.sendBytes(Buffer.from('hello'), m.externalPort, EXTERNAL);
    net.runUntilIdle('1s');
    await settle(net, Promise.resolve());
    assert.deepEqual(got, ['hello from 198.51.100.7:7000']);
    net.close();
  });

  test('requests from the uplink side get nothing; a client without a service stops at ICMP port unreachable', async () => {
    const { net, server, services, client } = rig();
    const s = server.udpBind(0);
    assert.equal(await exchange(net, s, Uint8Array.of(0, 0), EXTERNAL), null);
    services.disableNatPmp('home');
    await assert.rejects(settle(net, client().externalAddress()), { code: 'ECONNREFUSED' });
    net.close();
  });

  test('retransmission: 9 sends at 0, 0.25, 0.75 … 63.75 s, given up at 127.75 s (RFC 6886 §3.1)', async () => {
    const { net, alice, client } = rig(null);
    net.router('home').portUnreachable = false;
    const sent: number[] = [];
    alice.eth0.addTap({ packet: (p, dir) => { if (dir === 'out' && p.dstPort === 5351) sent.push(p.payload.length >= 0 ? net.now() / 1e6 : 0); } });
    const p = client().externalAddress();
    const failed = assert.rejects(p, { code: 'ETIMEDOUT' });
    net.runUntilIdle('200s');
    await failed;
    assert.deepEqual(sent, [0, 250, 750, 1750, 3750, 7750, 15750, 31750, 63750]);
    assert.equal(net.now(), 127_750 * 1e6);
    net.close();
  });

  test('result codes: unsupported version and opcode, refused ports, port exhaustion, a static mapping', async () => {
    const { net, alice, client } = rig({ allowPorts: '1024-65535' }, { preset: 'port-restricted', maxMappings: 1 } as never);
    const raw = alice.udpBind(0);
    assert.deepEqual(parseNatPmp((await exchange(net, raw, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0)))!), { type: 'error-response', op: 0x80, result: 1, epoch: 0 });
    assert.deepEqual([...(await exchange(net, raw, Uint8Array.of(0, 9, 0, 0, 1, 2)))!], [0, 0x89, 0, 5, 1, 2], 'the request back, op | 0x80, result 5');
    await assert.rejects(settle(net, client().map({ protocol: 'udp', internalPort: 80, lifetime: 60 })), { code: 'ERESULT', result: 2 });
    await settle(net, client().map({ protocol: 'udp', internalPort: 5000, lifetime: 60 }));
    await assert.rejects(settle(net, client({}, net.host('bob')).map({ protocol: 'udp', internalPort: 5000, lifetime: 60 })), { code: 'ERESULT', result: 4 });
    const nat = net.router('home').nat as import('../../src/engine/nat/table.js').NatTable;
    nat.clear();
    nat.add({ proto: 17, internalIp: alice.addresses[0], internalPort: 6000, lifetimeNs: Infinity });
    await assert.rejects(settle(net, client().unmap('udp', 6000)), { code: 'ERESULT', result: 2 }, 'a static mapping is not for NAT-PMP to delete');
    net.close();
  });

  test('malformed requests and responses get no answer', async () => {
    const { net, alice } = rig();
    const raw = alice.udpBind(0);
    for (const bad of [[0], [0, 1, 0, 0], [0, 0x80], [2, 1, 0, 0], [0, 0x81, ...marshalNatPmp({ type: 'error-response', op: 0x81, result: 0, epoch: 1 }).subarray(2)]]) {
      assert.equal(await exchange(net, raw, Uint8Array.from(bad)), null, JSON.stringify(bad));
    }
    net.close();
  });

  test('delete-all (lifetime 0, internal port 0) removes every mapping of the client for the protocol', async () => {
    const { net, client } = rig();
    const c = client();
    for (const port of [5000, 5001]) await settle(net, c.map({ protocol: 'udp', internalPort: port, lifetime: 600 }));
    await settle(net, client({}, net.host('bob')).map({ protocol: 'udp', internalPort: 5000, lifetime: 600 }));
    const r = await settle(net, c.map({ protocol: 'udp', internalPort: 0, lifetime: 0 }));
    assert.equal(r.internalPort, 0);
    assert.deepEqual(requested(net).map((m) => m.internal), ['192.168.1.3:5000']);
    assert.equal(GATEWAY, '192.168.1.1');
    net.close();
  });

  test('state loss (reset, or nat set flushing the table) restarts the epoch; the client\'s epoch check notices (RFC 6886 §3.6)', async () => {
    const { net, services, client } = rig();
    const lost: number[] = [];
    const c = client({ onStateLoss: (epoch) => lost.push(epoch) });
    await settle(net, c.map({ protocol: 'udp', internalPort: 5000, lifetime: 3600 }));
    net.advance('100s');
    assert.equal((await settle(net, c.externalAddress())).epoch, 100);
    assert.deepEqual(lost, []);
    services.resetNatPmp('home');
    net.advance('10s');
    assert.equal((await settle(net, c.externalAddress())).epoch, 10);
    assert.deepEqual(lost, [10]);
    assert.equal(requested(net).length, 0, 'the reboot lost the mapping');
    net.advance('100s');
    net.setNat('home', 'symmetric');
    assert.equal((await settle(net, c.externalAddress())).epoch, 0, 'a flushed NAT is lost state too');
    assert.deepEqual(lost, [10, 0]);
    net.close();
  });
});
