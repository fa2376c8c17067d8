// The topology `vnet init` writes, built from the answers to its questions (or the defaults).
import { Document, isMap, isSeq } from 'yaml';
import type { NatPresetName } from '../engine/nat/config.js';

export interface SiteAnswer {
  name: string;
  nat: NatPresetName | 'none';
  cidr: string;
  hosts: string[];
}

export interface InitAnswers {
  clock: 'virtual' | 'real';
  seed: number;
  sites: SiteAnswer[];
  /** A public server on the internet, with a DNS name; null for none. */
  server: { name: string; ip: string; dnsName: string } | null;
  /** Delay and loss on every site's uplink, or null. */
  impairment: { delay: string; loss: string } | null;
}

const HOST_NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];

/** Suggested name of the i-th host overall (alice, bob, …, then host11, host12, …). */
export function defaultHostName(i: number): string {
  return HOST_NAMES[i] ?? `host${i + 1}`;
}

/** Suggested subnet of the i-th site: 192.168.(i+1).0/24. */
export function defaultSiteCidr(i: number): string {
  return `192.168.${i + 1}.0/24`;
}

/** The default answers: two homes behind different NATs and a public server, as `vnet demo` builds. */
export function defaultAnswers(): InitAnswers {
  return {
    clock: 'virtual',
    seed: 1,
    sites: [
      { name: 'home-a', nat: 'port-restricted', cidr: defaultSiteCidr(0), hosts: ['alice'] },
      { name: 'home-b', nat: 'symmetric', cidr: defaultSiteCidr(1), hosts: ['bob'] },
    ],
    server: { name: 'server', ip: '198.51.100.7', dnsName: 'server.example' },
    impairment: null,
  };
}

/** The topology document for the answers: an internet root, one NAT router per site, hosts, server, names. */
export function initTopology(a: InitAnswers): Record<string, unknown> {
  const routers: Record<string, unknown>[] = [{ name: 'internet', cidr: '0.0.0.0/0' }];
  const hosts: Record<string, unknown>[] = [];
  a.sites.forEach((s, i) => {
    routers.push({ name: s.name, parent: 'internet', cidr: s.cidr, uplink: { ips: [`203.0.113.${10 + i}`] }, nat: s.nat });
    for (const h of s.hosts) hosts.push({ name: h, router: s.name });
  });
  const doc: Record<string, unknown> = { version: 1, clock: a.clock, seed: a.seed, routers, hosts };
  if (a.server) {
    hosts.push({ name: a.server.name, router: 'internet', ips: [a.server.ip] });
    doc.dns = { [a.server.dnsName]: a.server.ip };
  }
  if (a.impairment) doc.filters = a.sites.map((s) => ({ on: `${s.name}/uplink`, delay: a.impairment!.delay, loss: a.impairment!.loss }));
  return doc;
}

/** The YAML text `vnet init` writes: a comment saying how to use it, then the document. */
export function initYaml(a: InitAnswers): string {
  const header = [
    '# vnet topology written by `vnet init`.',
    '# Start it:   vnet up -f THIS_FILE      (or add it to a running session: vnet apply -f THIS_FILE)',
    '# Format:     schema/topology.schema.json in the vnet package; `vnet export` writes the same format.',
    '',
  ].join('\n');
  const doc = new Document(initTopology(a));
  // One line per router, host and filter, as in the docs: `- { name: alice, router: home-a }`.
  for (const section of ['routers', 'hosts', 'filters']) {
    const list = doc.get(section);
    if (isSeq(list)) for (const item of list.items) if (isMap(item)) item.flow = true;
  }
  return header + doc.toString({ lineWidth: 0 });
}
