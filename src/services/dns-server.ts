// A DNS server on every router's gateway address (UDP 53): A queries answered from the names that
// router sees (`vnet dns` records on it and above, host names), NXDOMAIN for unknown names and an
// empty answer (NODATA) for other types of a known name, as an authoritative server would. So
// `dig`, `getent hosts` and `curl http://name/` work in a netns host, whose resolv.conf names the
// gateway. The codec is `dns-packet`; a socket bound to port 53 there (a proxy) takes precedence.
import dnsPacket, { type Answer, type Packet as DnsMessage } from 'dns-packet';
import { formatIpv4 } from '../wire/addr.js';
import { makeUdp, type Packet } from '../wire/packet.js';
import type { Network } from '../engine/network.js';
import type { Router } from '../engine/router.js';

export const DNS_PORT = 53;
/** Seconds a resolver may keep an answer: short, names change with `vnet dns add/rm`. */
const ANSWER_TTL = 5;
const NXDOMAIN = 3;
const FORMERR = 1;
const NOTIMP = 4;
/** The UDP payload our answers fit in when the query had EDNS (RFC 6891). */
const EDNS_SIZE = 1232;

/** The answer to one query (bytes), or null for bytes that are no query (ignored, as servers do). */
export function answerQuery(query: Uint8Array, lookup: (name: string) => string | undefined): Uint8Array | null {
  let q: DnsMessage;
  try {
    q = dnsPacket.decode(Buffer.from(query.buffer, query.byteOffset, query.byteLength));
  } catch {
    return null;
  }
  if (q.type !== 'query') return null;
  const rd = (q.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  const questions = q.questions ?? [];
  const edns = (q.additionals ?? []).some((a) => a.type === 'OPT');
  const reply = (rcode: number, answers: Answer[]): Uint8Array => dnsPacket.encode({
    type: 'response', id: q.id, flags: dnsPacket.AUTHORITATIVE_ANSWER | rd | rcode, questions, answers,
    additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_SIZE }] : [],
  } as DnsMessage);
  if (questions.length !== 1) return reply(FORMERR, []);
  if (((q.flags ?? 0) >> 11 & 0xf) !== 0) return reply(NOTIMP, []); // Only standard queries (opcode 0).
  const question = questions[0];
  const ip = lookup(question.name);
  if (ip === undefined) return reply(NXDOMAIN, []);
  if (question.type !== 'A' || (question.class !== undefined && question.class !== 'IN')) return reply(0, []);
  return reply(0, [{ type: 'A', name: question.name, ttl: ANSWER_TTL, data: ip }]);
}

/** Puts the server on `router`'s gateway addresses, one per LAN (replaces one already there). */
export function serveDns(router: Router): void {
  router.setUdpService(DNS_PORT, (pkt: Packet) => {
    const gateway = pkt.dst;
    if (!router.lans.list.some((l) => l.gateway === gateway)) return;
    const answer = answerQuery(pkt.payload, (name) => {
      try {
        return formatIpv4(router.resolve(name));
      } catch {
        return undefined;
      }
    });
    if (answer !== null) router.output(makeUdp(gateway, DNS_PORT, pkt.src, pkt.srcPort, answer));
  });
}

/** Serves DNS on every router of `net`, those added later included. Returns what stops following new routers. */
export function serveDnsOnEveryRouter(net: Network): () => void {
  for (const r of net.routers) serveDns(r);
  return net.on((e) => {
    if (e.type === 'node-added' && e.kind === 'router') serveDns(net.router(e.name));
  });
}
