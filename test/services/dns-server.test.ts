// The gateway's DNS server: the codec answers as an authoritative server (A, NODATA, NXDOMAIN, EDNS),
// and on the virtual clock a host's query to its gateway gets `vnet dns` names and host names back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import { answerQuery, serveDnsOnEveryRouter } from '../../src/services/dns-server.js';
import { collect, natNetwork } from '../helpers.js';

const query = (name: string, type = 'A', edns = false): Buffer => dnsPacket.encode({
  type: 'query', id: 42, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] as dnsPacket.Question[],
  additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as dnsPacket.Answer] : [],
});
const dataOf = (a: dnsPacket.Packet): unknown[] => (a.answers ?? []).map((r) => (r as { data?: unknown }).data);
const rcodeOf = (a: dnsPacket.Packet): string | undefined => (a as { rcode?: string }).rcode;
const lookup = (n: string): string | undefined => (n === 'web.example' ? '198.51.100.8' : undefined);

const cases: { name: string; q: Buffer; rcode: string; answers: string[] }[] = [
  { name: 'A of a known name', q: query('web.example'), rcode: 'NOERROR', answers: ['198.51.100.8'] },
  { name: 'AAAA of a known name: NODATA', q: query('web.example', 'AAAA'), rcode: 'NOERROR', answers: [] },
  { name: 'an unknown name', q: query('nowhere.example'), rcode: 'NXDOMAIN', answers: [] },
];
for (const c of cases) {
  test(`dns answer: ${c.name}`, () => {
    const a = dnsPacket.decode(Buffer.from(answerQuery(c.q, lookup)!)) as dnsPacket.Packet & { rcode?: string; flag_aa?: boolean; flag_rd?: boolean };
    assert.equal(a.type, 'response');
    assert.equal(a.id, 42);
    assert.equal(rcodeOf(a), c.rcode);
    assert.equal(a.flag_aa, true);
    assert.equal(a.flag_rd, true);
    assert.deepEqual(dataOf(a), c.answers);
  });
}

test('dns answer: EDNS in, EDNS out; bytes that are no query get no answer', () => {
  const a = dnsPacket.decode(Buffer.from(answerQuery(query('web.example', 'A', true), lookup)!));
  assert.deepEqual((a.additionals ?? []).map((r) => r.type), ['OPT']);
  assert.equal(answerQuery(new Uint8Array([1, 2, 3]), lookup), null);
  const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ type: 'A', name: 'x', class: 'IN' }] as dnsPacket.Question[] });
  assert.equal(answerQuery(response, lookup), null);
});

test('a host asking its gateway on port 53 gets names it can see; a socket bound there comes first', () => {
  const net = natNetwork('full-cone');
  net.addName('web.example', '198.51.100.8');
  serveDnsOnEveryRouter(net);
  const x = net.host('x');
  const sock = x.udpBind(0);
  const got: dnsPacket.Packet[] = [];
  sock.on('message', (m: Buffer) => got.push(dnsPacket.decode(m)));
  for (const n of ['web.example', 'y1', 'nowhere.example']) sock.send(query(n), 53, '192.168.1.1');
  net.runUntilIdle();
  assert.deepEqual(got.map((a) => [rcodeOf(a), dataOf(a)]), [['NOERROR', ['198.51.100.8']], ['NOERROR', ['198.51.100.1']], ['NXDOMAIN', []]]);
  // A router added later serves too, and a socket bound to port 53 on the gateway takes the queries.
  net.addRouter({ name: 'office', parent: 'internet', cidr: '10.1.0.0/24' });
  net.addHost({ name: 'o', router: 'office' });
  const own = net.router('office').udpBind(53, '10.1.0.1');
  const taken = collect(own, net);
  const o = net.host('o').udpBind(0);
  const answers: Buffer[] = [];
  o.on('message', (m: Buffer) => answers.push(m));
  o.send(query('web.example'), 53, '10.1.0.1');
  net.runUntilIdle();
  assert.equal(taken.length, 1);
  assert.equal(answers.length, 0);
  own.close();
  o.send(query('web.example'), 53, '10.1.0.1');
  net.runUntilIdle();
  assert.equal(answers.length, 1);
});
