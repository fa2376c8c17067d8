// The one error type of the wire layer: untrusted bytes that do not parse.

export class WireError extends Error {
  readonly code = 'EWIRE';
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}
