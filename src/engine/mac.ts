// MAC addresses of virtual interfaces: stable, locally administered, derived from the interface's name.
import { hash32 } from './rng.js';
import { invalid } from './errors.js';

/** 02:xx:xx:xx:xx:xx from two hashes of the name: the same name gives the same MAC in every run. */
export function deriveMac(name: string): Uint8Array {
  const a = hash32(name);
  const b = hash32(name, 0x01234567);
  return Uint8Array.of(0x02, a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255, b & 255);
}

export function parseMac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw invalid(`"${text}" is not a MAC address; write six hex pairs, e.g. 02:00:00:00:00:01`);
  }
  const mac = Uint8Array.from(parts.map((p) => parseInt(p, 16)));
  if (mac[0] & 1) throw invalid(`MAC ${text} is a group (multicast) address; an interface needs a unicast MAC (first byte even)`);
  return mac;
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * The MACs of one LAN (a router's `lan`, its hosts' `eth0`, its child routers' `uplink`), so a
 * second interface with a MAC already there is refused, as one segment cannot tell them apart.
 */
export class LanMacs {
  private readonly owners = new Map<number, string>();

  /** `router`: whose LAN this is, for messages. */
  constructor(private readonly router: string) {}

  /** Throws EINVAL naming both interfaces when `mac` is already on this LAN. */
  check(mac: Uint8Array, iface: string): void {
    const other = this.owners.get(macKey(mac));
    if (other !== undefined && other !== iface) {
      throw invalid(`MAC ${formatMac(mac)} of ${iface} is already used by ${other} on the LAN of ${this.router}; give ${iface} another MAC`);
    }
  }

  add(mac: Uint8Array, iface: string): void {
    this.owners.set(macKey(mac), iface);
  }

  delete(mac: Uint8Array, iface: string): void {
    const key = macKey(mac);
    if (this.owners.get(key) === iface) this.owners.delete(key);
  }
}

/** The 48 bits as one number (exact: below 2^53). */
function macKey(mac: Uint8Array): number {
  return mac[0] * 2 ** 40 + mac[1] * 2 ** 32 + ((mac[2] << 24) >>> 0) + (mac[3] << 16) + (mac[4] << 8) + mac[5];
}
