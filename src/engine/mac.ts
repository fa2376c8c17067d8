// MAC addresses of virtual interfaces: stable, locally administered, derived from the interface's name.
import { hash32 } from './rng.js';
import { invalid } from './errors.js';
import { quoteInput } from '../wire/user-input.js';

/** 02:xx:xx:xx:xx:xx from two hashes of the name: the same name gives the same MAC in every run. */
export function deriveMac(name: string): Uint8Array {
  const a = hash32(name);
  const b = hash32(name, 0x01234567);
  return Uint8Array.of(0x02, a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255, b & 255);
}

export function parseMac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw invalid(`${quoteInput(text)} is not a MAC address; write six hex pairs, e.g. 02:00:00:00:00:01`);
  }
  const mac = Uint8Array.from(parts.map((p) => parseInt(p, 16)));
  if (mac[0] & 1) throw invalid(`MAC ${text} is a group (multicast) address; an interface needs a unicast MAC (first byte even)`);
  return mac;
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** What LanMacs needs of an interface. */
export interface MacHolder {
  readonly fullName: string;
  readonly mac: Uint8Array;
}

/**
 * The MACs given by hand on one LAN (a router's `lan`, its hosts' `eth0`, its child routers'
 * `uplink`), so a second interface with a MAC already there is refused, as one segment cannot
 * tell them apart. A MAC derived from a name (`mac` left out) is checked against the hand-set
 * ones only, so adding 10,000 hosts without --mac costs nothing here; two derived MACs are
 * distinct unless 40 bits of two names' hashes collide.
 */
export class LanMacs {
  private readonly given = new Map<string, string>();

  /** `router`: whose LAN this is, for messages; `members`: the interfaces on it now. */
  constructor(private readonly router: string, private readonly members: () => Iterable<MacHolder>) {}

  /** Throws EINVAL naming both interfaces when the MAC of `iface` (`mac`, else the one derived from its name) is already on this LAN. */
  check(iface: string, mac?: Uint8Array): void {
    let other: string | undefined;
    if (mac) {
      other = this.given.get(macKey(mac));
      for (const m of other === undefined ? this.members() : []) {
        if (m.fullName !== iface && macKey(m.mac) === macKey(mac)) other = m.fullName;
      }
    } else if (this.given.size > 0) {
      other = this.given.get(macKey(deriveMac(iface)));
    }
    if (other !== undefined && other !== iface) {
      throw invalid(`MAC ${formatMac(mac ?? deriveMac(iface))} of ${iface} is already used by ${other} on the LAN of ${this.router}; give ${iface} another MAC`);
    }
  }

  /** Records a MAC given by hand (a derived one needs no record). */
  add(iface: string, mac?: Uint8Array): void {
    if (mac) this.given.set(macKey(mac), iface);
  }

  delete(iface: MacHolder): void {
    if (this.given.size === 0) return;
    const key = macKey(iface.mac);
    if (this.given.get(key) === iface.fullName) this.given.delete(key);
  }
}

/** The 48 bits as a 3-character string (a number above 2^31 would be boxed on every use). */
function macKey(mac: Uint8Array): string {
  return String.fromCharCode((mac[0] << 8) | mac[1], (mac[2] << 8) | mac[3], (mac[4] << 8) | mac[5]);
}
