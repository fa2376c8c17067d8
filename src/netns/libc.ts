// The few libc calls Node lacks, through koffi (a prebuilt FFI: nothing is compiled at install):
// ioctl(TUNSETIFF) to make a file descriptor a TUN device, and poll() for the reader thread.
import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';

/** koffi loads a native library: required on first use, so a process without netns hosts never loads it. */
let koffiModule: typeof Koffi | null = null;
function koffi(): typeof Koffi {
  return (koffiModule ??= createRequire(import.meta.url)('koffi') as typeof Koffi);
}

type Ioctl = (fd: number, request: number, arg: Buffer) => number;
type Poll = (fds: Buffer, nfds: number, timeoutMs: number) => number;

let calls: { ioctl: Ioctl; poll: Poll } | null = null;

/** libc's functions, loaded on first use (a process without netns hosts never loads koffi's library). */
export function libc(): { ioctl: Ioctl; poll: Poll } {
  if (calls === null) {
    const lib = koffi().load('libc.so.6');
    calls = {
      ioctl: lib.func('int ioctl(int fd, unsigned long request, _Inout_ uint8_t *arg)') as Ioctl,
      poll: lib.func('int poll(_Inout_ uint8_t *fds, unsigned long nfds, int timeout)') as Poll,
    };
  }
  return calls;
}

/** errno after the last failed call on this thread. */
export function lastErrno(): number {
  return koffi().errno();
}
