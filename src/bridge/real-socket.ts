// The real side: node:dgram sockets on this machine. Every socket made here has an 'error'
// handler from birth, so nothing a real program does can crash the session.
import dgram from 'node:dgram';
import { VnetError } from '../engine/errors.js';

export type RealSocket = dgram.Socket;

/** A udp4 socket whose errors go to `onError` (never thrown, never unhandled). */
export function createRealSocket(onError: (err: NodeJS.ErrnoException) => void): RealSocket {
  const s = dgram.createSocket({ type: 'udp4' });
  s.on('error', onError);
  return s;
}

/** Binds `s` to address:port; a failure rejects with a VnetError naming the address and the mend. */
export function bindReal(s: RealSocket, address: string, port: number, mend: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException): void => {
      s.off('listening', bound);
      reject(bindError(err, `${address}:${port}`, mend));
    };
    const bound = (): void => {
      s.off('error', failed);
      resolve(s.address().port);
    };
    s.once('error', failed);
    s.once('listening', bound);
    s.bind(port, address);
  });
}

function bindError(err: NodeJS.ErrnoException, where: string, mend: string): VnetError {
  if (err.code === 'EADDRINUSE') return new VnetError('EADDRINUSE', `${where} is already in use by another program; ${mend}`, { cause: err });
  if (err.code === 'EADDRNOTAVAIL') {
    return new VnetError('EADDRNOTAVAIL', `${where} is not an address of this machine; listen on 127.0.0.1 or one of its own addresses`, { cause: err });
  }
  if (err.code === 'EACCES') return new VnetError('EPERM', `binding ${where} is not permitted (EACCES); ${mend}`, { cause: err });
  return new VnetError('EINVAL', `cannot bind ${where}: ${err.message}`, { cause: err });
}

/** Closes a real socket once; resolves when it is closed. */
export function closeReal(s: RealSocket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

/** The error as one line for lastError: "ECONNREFUSED: recvmsg ECONNREFUSED". */
export function errorLine(err: NodeJS.ErrnoException): string {
  return err.code ? `${err.code}: ${err.message}` : err.message;
}
