// A STUN server on a virtual host's engine sockets: RFC 8489 Binding (XOR-MAPPED-ADDRESS,
// MAPPED-ADDRESS, SOFTWARE, FINGERPRINT) and, with a second address, RFC 5780 NAT behaviour
// discovery (OTHER-ADDRESS, CHANGE-REQUEST, RESPONSE-ORIGIN, RESPONSE-PORT, PADDING). Stateless:
// a malformed datagram gets no answer (nothing to reflect) and changes nothing but a counter.
import { formatIpv4, parseIpv4, type Ipv4 } from '../wire/addr.js';
import { WireError } from '../wire/errors.js';
import {
  CHANGE_IP, CHANGE_PORT, errorCodeValue, looksLikeStun, parseStun, readChangeRequest, readResponsePort, STUN_METHOD_BINDING, StunAttr,
  StunWriter, textValue, unknownAttributesValue, type StunMessage,
} from '../wire/stun.js';
import type { Host } from '../engine/host.js';
import type { VSocket } from '../engine/socket.js';

export const STUN_PORT = 3478;
export const STUN_ALT_PORT = 3479;
/** What SOFTWARE says in every answer. */
export const STUN_SOFTWARE = 'vnet STUN (RFC 8489, RFC 5780)';
const SOFTWARE = textValue(STUN_SOFTWARE);
/** The most PADDING echoed (RFC 5780 §7.6: about an MTU). */
const MAX_PADDING = 1500;

/** Comprehension-required attributes a Binding request may carry without a 420 (auth ones are ignored: no credentials). */
const UNDERSTOOD = new Set<number>([StunAttr.CHANGE_REQUEST, StunAttr.PADDING, StunAttr.RESPONSE_PORT, StunAttr.USERNAME, StunAttr.MESSAGE_INTEGRITY, StunAttr.MESSAGE_INTEGRITY_SHA256]);

export interface StunServerConfig {
  ip: Ipv4;
  /** The second address (RFC 5780); without it no OTHER-ADDRESS, and CHANGE-REQUEST gets 420. */
  altIp?: Ipv4;
  port: number;
  /** The second port, used with altIp. */
  altPort: number;
}

export interface StunServerStats {
  /** Binding requests answered with a success response. */
  answered: number;
  /** Requests answered with an error response (400, 420). */
  errors: number;
  /** Datagrams that were not STUN, did not parse, or were not requests: no answer. */
  ignored: number;
}

export class StunServer {
  readonly host: Host;
  readonly config: StunServerConfig;
  readonly stats: StunServerStats = { answered: 0, errors: 0, ignored: 0 };
  /** Sockets by [address index][port index]: 0 = primary, 1 = alternate. */
  private readonly sockets: VSocket[][] = [];
  /** Answers are written here and copied by the socket's send. */
  private readonly writer = new StunWriter();

  constructor(host: Host, config: StunServerConfig) {
    this.host = host;
    this.config = config;
    const ips = config.altIp === undefined ? [config.ip] : [config.ip, config.altIp];
    const ports = config.altIp === undefined ? [config.port] : [config.port, config.altPort];
    try {
      ips.forEach((ip, a) => {
        this.sockets[a] = [];
        ports.forEach((port, p) => {
          const s = host.createSocket('udp4').bindNow(port, formatIpv4(ip));
          s.on('message', (msg: Buffer, rinfo: { address: string; port: number }) => this.onMessage(a, p, msg, rinfo));
          this.sockets[a][p] = s;
        });
      });
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Whether it answers RFC 5780's tests (two addresses, two ports). */
  get full(): boolean {
    return this.config.altIp !== undefined;
  }

  /** The address:port pairs it answers on. */
  endpoints(): string[] {
    return this.sockets.flatMap((row) => row.map((s) => `${s.address().address}:${s.address().port}`));
  }

  close(): void {
    for (const row of this.sockets) for (const s of row) if (!s.closed) s.close();
  }

  private ipOf(a: number): Ipv4 {
    return a === 0 ? this.config.ip : this.config.altIp!;
  }

  private portOf(p: number): number {
    return p === 0 ? this.config.port : this.config.altPort;
  }

  /** Answers one datagram received on socket [a][p], or ignores it. Never throws for what a client sends. */
  private onMessage(a: number, p: number, msg: Buffer, rinfo: { address: string; port: number }): void {
    let req: StunMessage;
    if (!looksLikeStun(msg)) {
      this.stats.ignored++;
      return;
    }
    try {
      req = parseStun(msg);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      this.stats.ignored++;
      return;
    }
    if (req.cls !== 'request') {
      // Indications need no answer; responses are not ours to take.
      this.stats.ignored++;
      return;
    }
    const client = parseIpv4(rinfo.address);
    const reply = this.answer(req, a, p, client, rinfo.port);
    if (reply === null) {
      this.stats.ignored++;
      return;
    }
    if (reply.error) this.stats.errors++;
    else this.stats.answered++;
    // A send error (the host gone, no route) is the network's to count; the server stays up.
    this.sockets[reply.from[0]][reply.from[1]].sendBytes(reply.bytes, reply.port, rinfo.address);
  }

  /** The answer to a request received on [a][p] from client:port, in the writer: the socket to send from, the port to send to; null = none. */
  private answer(req: StunMessage, a: number, p: number, client: Ipv4, port: number): { bytes: Uint8Array; from: [number, number]; port: number; error: boolean } | null {
    const w = this.writer;
    const error = (code: number, reason: string, unknown?: number[]): { bytes: Uint8Array; from: [number, number]; port: number; error: boolean } => {
      w.begin(req.method, 'error', req.transactionId).bytes(StunAttr.ERROR_CODE, errorCodeValue(code, reason));
      if (unknown !== undefined) w.bytes(StunAttr.UNKNOWN_ATTRIBUTES, unknownAttributesValue(unknown));
      return { bytes: w.bytes(StunAttr.SOFTWARE, SOFTWARE).finish(true), from: [a, p], port, error: true };
    };
    if (req.method !== STUN_METHOD_BINDING) return error(400, `Bad Request: method 0x${req.method.toString(16)} is not served here (Binding only)`);
    let unknown: number[] | undefined;
    let padding: Uint8Array | undefined;
    for (const x of req.attributes) {
      if (x.type === StunAttr.PADDING) padding ??= x.value;
      else if (x.type < 0x8000 && (!UNDERSTOOD.has(x.type) || (x.type === StunAttr.CHANGE_REQUEST && !this.full)) && !unknown?.includes(x.type)) (unknown ??= []).push(x.type);
    }
    let change: number;
    let responsePort: number | undefined;
    try {
      change = readChangeRequest(req);
      responsePort = readResponsePort(req);
    } catch (err) {
      if (err instanceof WireError) return null;
      throw err;
    }
    if (unknown !== undefined) return error(420, 'Unknown Attribute', unknown);
    if (padding !== undefined && responsePort !== undefined) return error(400, 'Bad Request: RESPONSE-PORT and PADDING together (RFC 5780 §6.1)');
    const fa = change & CHANGE_IP ? 1 - a : a;
    const fp = change & CHANGE_PORT ? 1 - p : p;
    w.begin(req.method, 'success', req.transactionId).address(StunAttr.XOR_MAPPED_ADDRESS, client, port, true).address(StunAttr.MAPPED_ADDRESS, client, port);
    if (this.full) {
      w.address(StunAttr.RESPONSE_ORIGIN, this.ipOf(fa), this.portOf(fp)).address(StunAttr.OTHER_ADDRESS, this.ipOf(1 - a), this.portOf(1 - p));
    }
    if (padding !== undefined) w.zeros(StunAttr.PADDING, Math.min(MAX_PADDING, (padding.length + 3) & ~3));
    return { bytes: w.bytes(StunAttr.SOFTWARE, SOFTWARE).finish(true), from: [fa, fp], port: responsePort ?? port, error: false };
  }
}
