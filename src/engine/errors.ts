// Errors the engine raises: a stable `code` for programs and a message that
// states one fact with its numbers and, where it helps, how to mend it.

export type VnetErrorCode =
  | 'EINVAL' // bad argument (CIDR, address, option value)
  | 'ENOTFOUND' // no such node, interface, filter or name
  | 'EEXIST' // name or address already taken
  | 'EADDRINUSE'
  | 'EADDRNOTAVAIL'
  | 'EMSGSIZE'
  | 'ENETUNREACH'
  | 'ERR_SOCKET_ALREADY_BOUND'
  | 'ERR_SOCKET_DGRAM_NOT_RUNNING'
  | 'ERR_SOCKET_DGRAM_IS_CONNECTED'
  | 'ERR_SOCKET_DGRAM_NOT_CONNECTED'
  | 'ERR_SOCKET_BAD_PORT'
  | 'EPORTEXHAUSTED'
  | 'ELOOP'
  | 'EPERM' // a runtime directory or socket we may not use safely
  | 'ENOSESSION' // no session by that name is running
  | 'ESTALE' // the session's daemon died or went away
  | 'EPROTO' // control protocol violation or version mismatch
  | 'ETIMEDOUT'
  | 'ECANCELED' // the user declined or interrupted
  | 'ECONNREFUSED'
  | 'ERESULT'; // a NAT-PMP/PCP gateway answered with a result code other than success

export class VnetError extends Error {
  readonly code: VnetErrorCode;
  constructor(code: VnetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'VnetError';
  }
}

export const invalid = (message: string): VnetError => new VnetError('EINVAL', message);
export const notFound = (message: string): VnetError => new VnetError('ENOTFOUND', message);
