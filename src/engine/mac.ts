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
