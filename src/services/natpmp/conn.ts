// A NAT-PMP/PCP connection over any dgram-shaped socket (a virtual VSocket or a real node:dgram
// socket): send(message, to), receive(), and deliver(bytes, from) for callers that read the socket
// themselves and hand over what probablyNatPmp/probablyPcp picked out (inetaf/nat issue #3).
import { WireError } from '../../wire/errors.js';
import { marshalNatPmp, parseNatPmp, type NatPmpMessage } from '../../wire/natpmp.js';
import { marshalPcp, parsePcp, type PcpMessage } from '../../wire/pcp.js';
import { VnetError } from '../../engine/errors.js';

export type PortMappingMessage = NatPmpMessage | PcpMessage;

export interface Endpoint {
  address: string;
  port: number;
}

/** What a Conn needs of a socket: node:dgram's send and 'message' (VSocket and dgram.Socket both fit). */
export interface DgramLike {
  send(msg: Uint8Array, port: number, address: string, callback?: (error: Error | null, bytes?: number) => void): void;
  on(event: 'message', listener: (msg: Buffer, rinfo: Endpoint) => void): unknown;
  removeListener(event: 'message', listener: (msg: Buffer, rinfo: Endpoint) => void): unknown;
}

/** Parses either protocol by its first byte (0 NAT-PMP, anything else PCP); throws WireError. */
export function parseMessage(bytes: Uint8Array): PortMappingMessage {
  if (bytes.length === 0) throw new WireError('port mapping: empty datagram');
  return bytes[0] === 0 ? parseNatPmp(bytes) : parsePcp(bytes);
}

export function marshalMessage(m: PortMappingMessage): Uint8Array {
  return m.type === 'pcp-request' || m.type === 'pcp-response' ? marshalPcp(m) : marshalNatPmp(m);
}

export interface Received {
  message: PortMappingMessage;
  from: Endpoint;
}

/** A listener that may take a message before it is queued for receive(); true when it did. */
export type MessageTap = (r: Received) => boolean;

/** Messages kept for receive() before the oldest is dropped. */
const QUEUE_LIMIT = 64;

export interface ConnOptions {
  /** Read the socket's 'message' events (default true); false when the caller reads it and calls deliver(). */
  read?: boolean;
}

export class Conn {
  private readonly queue: Received[] = [];
  private readonly waiting: { resolve: (r: Received) => void; reject: (e: Error) => void }[] = [];
  private readonly taps = new Set<MessageTap>();
  private closed = false;
  /** Datagrams that were not NAT-PMP or PCP (deliver() returned false). */
  rejected = 0;
  /** Messages dropped because nobody called receive() and the queue was full. */
  dropped = 0;
  private readonly onMessage = (msg: Buffer, rinfo: Endpoint): void => {
    this.deliver(msg, rinfo);
  };

  constructor(readonly socket: DgramLike, options: ConnOptions = {}) {
    if (options.read ?? true) socket.on('message', this.onMessage);
  }

  /** Marshals and sends; resolves once the socket took it. */
  send(message: PortMappingMessage, to: Endpoint): Promise<void> {
    if (this.closed) return Promise.reject(new VnetError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'the NAT-PMP/PCP connection is closed; open a new one'));
    const bytes = marshalMessage(message);
    return new Promise((resolve, reject) => {
      this.socket.send(bytes, to.port, to.address, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** The next message that no tap took, in arrival order. */
  receive(): Promise<Received> {
    const r = this.queue.shift();
    if (r !== undefined) return Promise.resolve(r);
    if (this.closed) return Promise.reject(new VnetError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'the NAT-PMP/PCP connection is closed'));
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /**
   * Hands over one datagram read elsewhere. Returns false (and counts it) when it is not a NAT-PMP or
   * PCP message; never throws for bad bytes.
   */
  deliver(bytes: Uint8Array, from: Endpoint): boolean {
    if (this.closed) return false;
    let message: PortMappingMessage;
    try {
      message = parseMessage(bytes);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      this.rejected++;
      return false;
    }
    const r: Received = { message, from: { address: from.address, port: from.port } };
    for (const tap of this.taps) if (tap(r)) return true;
    const w = this.waiting.shift();
    if (w !== undefined) w.resolve(r);
    else {
      if (this.queue.length >= QUEUE_LIMIT) {
        this.queue.shift();
        this.dropped++;
      }
      this.queue.push(r);
    }
    return true;
  }

  /** Sees every message first (a client waiting for its answers); returns how to stop. */
  tap(fn: MessageTap): () => void {
    this.taps.add(fn);
    return () => this.taps.delete(fn);
  }

  /** Stops reading; pending receive() calls fail. The socket stays open (it is the caller's). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.removeListener('message', this.onMessage);
    for (const w of this.waiting.splice(0)) w.reject(new VnetError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'the NAT-PMP/PCP connection was closed'));
  }
}
