// Names registered on routers, visible to every host below the router (pion's
// semantics): a host asks its own router, then each parent up to the root.
import { formatIpv4, type Ipv4 } from '../wire/addr.js';
import { invalid } from './errors.js';
import { quoteInput } from '../wire/user-input.js';

export interface DnsRecord {
  name: string;
  ip: string;
  /** The router whose subtree sees the name. */
  router: string;
  /** True for host names, which resolve by themselves. */
  auto: boolean;
}

/** One router's table of names. */
export class NameTable {
  private readonly records = new Map<string, Ipv4>();

  add(name: string, ip: Ipv4): void {
    this.records.set(normalizeName(name), ip);
  }

  remove(name: string): boolean {
    return this.records.delete(normalizeName(name));
  }

  get(name: string): Ipv4 | undefined {
    return this.records.get(name);
  }

  entries(router: string): DnsRecord[] {
    return [...this.records.entries()].map(([name, ip]) => ({ name, ip: formatIpv4(ip), router, auto: false }));
  }
}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** Lower-cases a name, drops a trailing dot and checks it is a valid hostname. */
export function normalizeName(name: string): string {
  const n = name.trim().toLowerCase().replace(/\.$/, '');
  if (n.length === 0 || n.length > 253 || !n.split('.').every((l) => LABEL.test(l))) {
    throw invalid(`${quoteInput(name)} is not a valid host name; use letters, digits and hyphens in dot-separated labels`);
  }
  return n;
}
