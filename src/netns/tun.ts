// A TUN device opened from Node: /dev/net/tun, then ioctl(TUNSETIFF) with IFF_TUN | IFF_NO_PI, so
// each read(2) returns one IPv4 packet and each write(2) sends one (no packet-information prefix).
// The fd is non-blocking: the reader thread polls it and reads until EAGAIN (see tun-reader.ts).
import { closeSync, constants, openSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { VnetError } from '../engine/errors.js';
import { lastErrno, libc } from './libc.js';

/** <linux/if_tun.h>: _IOW('T', 202, int). */
const TUNSETIFF = 0x400454ca;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;
/** struct ifreq: the name (IFNAMSIZ 16 with its NUL) at 0, the flags (short) at 16; 40 bytes in all. */
const IFREQ_SIZE = 40;
const IFR_FLAGS = 16;
/** IFNAMSIZ - 1. */
export const MAX_IFNAME = 15;

/** The name of errno `n` (EPERM, EBUSY, ...). */
export function errnoName(n: number): string {
  for (const [name, v] of Object.entries(osConstants.errno)) if (v === n) return name;
  return `errno ${n}`;
}

/**
 * Opens a new TUN device named `name` in this network namespace and returns its fd: non-blocking (the
 * reader thread polls it), or blocking for a reader on libuv's thread pool (the bench's alternative).
 */
export function openTun(name: string, blocking = false): number {
  if (Buffer.byteLength(name) > MAX_IFNAME) throw new VnetError('EINVAL', `interface name "${name}" is longer than ${MAX_IFNAME} bytes`);
  let fd: number;
  try {
    fd = openSync('/dev/net/tun', constants.O_RDWR | (blocking ? 0 : constants.O_NONBLOCK));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const mend = code === 'ENOENT' ? 'load the tun module (modprobe tun)' : 'run vnet as root or with CAP_NET_ADMIN';
    throw new VnetError('EPERM', `cannot open /dev/net/tun (${code ?? (err as Error).message}); ${mend}`, { cause: err });
  }
  const ifr = Buffer.alloc(IFREQ_SIZE);
  ifr.write(name, 0, 'utf8');
  ifr.writeUInt16LE(IFF_TUN | IFF_NO_PI, IFR_FLAGS);
  if (libc().ioctl(fd, TUNSETIFF, ifr) < 0) {
    const e = errnoName(lastErrno());
    closeSync(fd);
    const mend = e === 'EPERM' ? '; run vnet as root or with CAP_NET_ADMIN' : e === 'EBUSY' ? '; another device has that name' : '';
    throw new VnetError('EPERM', `ioctl(TUNSETIFF) on /dev/net/tun for ${name} failed: ${e}${mend}`);
  }
  return fd;
}
