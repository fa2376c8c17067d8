// Which LAN of a router a host or child router attaches to, and the addresses it gets there;
// parsing of the addresses, prefixes and VLAN IDs that router, host and LAN options carry.
import { Cidr, formatIpv4, parseIpv4, type Ipv4 } from '../wire/addr.js';
import type { WireError } from '../wire/errors.js';
import { quoteInput } from '../wire/user-input.js';
import { invalid } from './errors.js';
import type { Lan } from './router-lans.js';
import type { Router } from './router.js';

/**
 * The LAN a new neighbour of `r` attaches to: the one named, else the one whose subnet holds the first
 * address given, else the first LAN. `what` names the neighbour in errors.
 */
export function chooseLan(r: Router, lanName: string | undefined, ipTexts: readonly string[] | undefined, what: string): Lan {
  if (lanName !== undefined) return r.lanNamed(lanName);
  if (ipTexts !== undefined && ipTexts.length > 0 && r.lans.list.length > 1) {
    const ip = parseAddr(ipTexts[0], what);
    const lan = r.lans.containing(ip);
    if (lan === undefined) {
      throw invalid(`${what}: ${formatIpv4(ip)} is in none of ${r.name}'s LANs (${r.lans.list.map((l) => `${l.name} ${l.cidr}`).join(', ')}); give an address in one of them`);
    }
    return lan;
  }
  return r.lans.first;
}

/** Claims the addresses given on `lan` (or allocates one) for `owner`; all or nothing. */
export function claimAddresses(lan: Lan, ipTexts: readonly string[] | undefined, owner: string, what: string): Ipv4[] {
  const ips: Ipv4[] = [];
  try {
    if (ipTexts && ipTexts.length > 0) {
      for (const t of ipTexts) {
        const ip = parseAddr(t, what);
        lan.allocator.claim(ip, owner);
        ips.push(ip);
      }
    } else {
      ips.push(lan.allocator.allocate(owner));
    }
  } catch (err) {
    for (const ip of ips) lan.allocator.release(ip);
    throw err;
  }
  return ips;
}

export function parseAddr(text: string, what: string): Ipv4 {
  try {
    return parseIpv4(text);
  } catch (err) {
    throw invalid(`${what}: ${(err as WireError).message}`);
  }
}

export function parseCidrOption(text: string, what: string): Cidr {
  try {
    return Cidr.parse(text);
  } catch (err) {
    throw invalid(`${what}: ${(err as WireError).message}`);
  }
}

export function checkVlan(v: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`a VLAN ID is a whole number 1-4094, got ${typeof v === 'string' ? quoteInput(v) : String(v)}`);
  if (v < 1 || v > 4094) throw invalid(`VLAN ID ${v} is not 1-4094`);
  return v;
}

/** One or two VLAN tags, each 1-4094. */
export function checkVlans(vlan: readonly number[] | undefined): readonly number[] {
  const ids = (vlan ?? []).map((v) => checkVlan(v));
  if (ids.length > 2) throw invalid(`${ids.length} VLAN tags given; at most two (802.1ad outer, 802.1Q inner)`);
  return ids;
}
