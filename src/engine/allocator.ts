// Hands out addresses of a router's subnet: the whole prefix, not just 254
// addresses; skips the network and broadcast addresses, addresses in use,
// carved-out child subnets and, on public prefixes such as 0.0.0.0/0, the
// special-purpose ranges (private, loopback, multicast ...). In prefixes wider
// than /24 it also skips x.y.z.0 and x.y.z.255, which look like network and
// broadcast addresses to people and to some stacks.
import { Cidr, formatIpv4, SPECIAL_PURPOSE, type Ipv4 } from '../wire/addr.js';
import { VnetError } from './errors.js';

export class SubnetAllocator {
  readonly cidr: Cidr;
  private readonly used = new Map<Ipv4, string>();
  private readonly carved: Cidr[] = [];
  private readonly skip: Cidr[];
  private cursor: Ipv4;

  constructor(cidr: Cidr) {
    this.cidr = cidr;
    // Skip special-purpose ranges only when the prefix is not itself inside one (10.0.0.0/8 hands out 10.x).
    this.skip = SPECIAL_PURPOSE.filter((s) => cidr.overlaps(s) && !(s.prefix <= cidr.prefix && s.contains(cidr.network)));
    this.cursor = cidr.firstUsable;
  }

  /** Who holds `ip`, if anyone. */
  owner(ip: Ipv4): string | undefined {
    return this.used.get(ip);
  }

  /** Marks a static address as taken; refuses duplicates and addresses outside the subnet. */
  claim(ip: Ipv4, owner: string): void {
    if (!this.cidr.contains(ip)) {
      throw new VnetError('EADDRNOTAVAIL', `${formatIpv4(ip)} is outside ${this.cidr}; pick an address in the subnet`);
    }
    if (this.cidr.prefix < 31 && (ip === this.cidr.network || ip === this.cidr.last)) {
      throw new VnetError('EADDRNOTAVAIL', `${formatIpv4(ip)} is the ${ip === this.cidr.network ? 'network' : 'broadcast'} address of ${this.cidr}; pick a host address`);
    }
    const holder = this.used.get(ip);
    if (holder !== undefined) throw new VnetError('EEXIST', `${formatIpv4(ip)} is already used by ${holder}; pick another address or leave it out to allocate one`);
    const carved = this.carved.find((c) => c.contains(ip));
    if (carved) throw new VnetError('EADDRNOTAVAIL', `${formatIpv4(ip)} is inside the routed subnet ${carved}; pick an address outside it`);
    this.used.set(ip, owner);
  }

  /** Reserves a whole sub-prefix (a routed child subnet) so nothing in it is allocated. */
  carve(c: Cidr): void {
    this.carved.push(c);
  }

  uncarve(c: Cidr): void {
    const i = this.carved.findIndex((x) => x.network === c.network && x.prefix === c.prefix);
    if (i >= 0) this.carved.splice(i, 1);
  }

  release(ip: Ipv4): void {
    this.used.delete(ip);
  }

  /** The next free address; throws when the subnet is full. */
  allocate(owner: string): Ipv4 {
    const first = this.cidr.firstUsable;
    const last = this.cidr.lastUsable;
    const span = last - first + 1;
    let ip = this.cursor;
    for (let tried = 0; tried < span; ) {
      if (ip > last || ip < first) ip = first;
      const jump = this.blockedUntil(ip);
      if (jump !== undefined) {
        tried += jump - ip + 1;
        ip = jump + 1;
        continue;
      }
      // In prefixes wider than /24, x.y.z.0 and x.y.z.255 look like network and broadcast addresses: skip them.
      const lastOctet = ip & 255;
      if (this.cidr.prefix < 24 && (lastOctet === 0 || lastOctet === 255)) {
        ip++;
        tried++;
        continue;
      }
      if (!this.used.has(ip)) {
        this.used.set(ip, owner);
        this.cursor = ip + 1;
        return ip;
      }
      ip++;
      tried++;
    }
    throw new VnetError('EADDRNOTAVAIL', `subnet ${this.cidr} has no free address left (${this.used.size} in use); use a larger prefix`);
  }

  /** When ip sits in a skipped or carved range, the last address of that range. */
  private blockedUntil(ip: Ipv4): Ipv4 | undefined {
    for (const s of this.skip) if (s.contains(ip)) return s.last;
    for (const c of this.carved) if (c.contains(ip)) return c.last;
    return undefined;
  }
}
