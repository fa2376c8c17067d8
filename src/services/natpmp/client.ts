// A NAT-PMP and PCP client over a Conn: RFC 6886's retransmissions (250 ms, doubling, 9 sends) and
// RFC 6887's (IRT, MRT, MRC, MRD with ±10 % jitter), the epoch check, and timers on the engine clock
// when the socket is a virtual one, so a whole give-up schedule runs in no real time.
import { randomBytes } from 'node:crypto';
import { formatIpv4, isIpv4, parseIpv4 } from '../../wire/addr.js';
import {
  NATPMP_PORT, natPmpResultName, NatPmpResult, NATPMP_OP_MAP_TCP, NATPMP_OP_MAP_UDP, type NatPmpProtocol, type NatPmpMessage,
} from '../../wire/natpmp.js';
import {
  formatPcpAddress, ipv4Mapped, PCP_OP_ANNOUNCE, PCP_OP_MAP, PCP_OP_PEER, PCP_VERSION, pcpResultName, PcpResult,
  type PcpAddress, type PcpOption, type PcpRequest, type PcpResponse,
} from '../../wire/pcp.js';
import { VnetError } from '../../engine/errors.js';
import type { Scheduler } from '../../engine/scheduler.js';
import { VSocket, type IcmpNotice } from '../../engine/socket.js';
import { Conn, type DgramLike, type Endpoint, type PortMappingMessage, type Received } from './conn.js';

/** Timers in milliseconds: the engine's scheduler for virtual sockets, Node's for real ones. */
export interface Timers {
  now(): number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export function engineTimers(scheduler: Scheduler): Timers {
  return {
    now: () => scheduler.now() / 1e6,
    set: (fn, ms) => scheduler.after(Math.round(ms * 1e6), fn),
    clear: (h) => scheduler.cancel(h as ReturnType<Scheduler['after']>),
  };
}

export const realTimers: Timers = {
  now: () => performance.now(),
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** A gateway's answer with a result code other than success. */
export class PortMappingError extends VnetError {
  constructor(readonly protocol: 'nat-pmp' | 'pcp', readonly result: number, message: string, readonly lifetime = 0) {
    super('ERESULT', message);
  }
}

export interface ClientOptions {
  /** Default: the engine clock for a VSocket, else Node's timers. */
  timers?: Timers;
  /** Uniform [0, 1) for PCP's jitter (default Math.random). */
  random?: () => number;
  /** NAT-PMP: first wait and number of sends (RFC 6886 §3.1: 250 ms, 9). */
  natPmpInitialMs?: number;
  natPmpTries?: number;
  /** PCP §8.1.1: initial and maximum retransmission time, count (0: no limit) and duration (0: no limit). */
  pcpIrtMs?: number;
  pcpMrtMs?: number;
  pcpMrc?: number;
  pcpMrdMs?: number;
  /** PCP's client address field: the socket's own LAN address (default: asked of a VSocket, else required for PCP). */
  clientAddress?: string;
  /** Called when an answer's epoch says the gateway lost its state (RFC 6886 §3.6, RFC 6887 §8.5): re-create mappings. */
  onStateLoss?: (epoch: number) => void;
}

export interface MapResult {
  protocol: NatPmpProtocol;
  internalPort: number;
  externalPort: number;
  /** Seconds granted. */
  lifetime: number;
  epoch: number;
}

export interface PcpMapOptions {
  protocol: number | NatPmpProtocol;
  internalPort: number;
  externalPort?: number;
  externalAddress?: string;
  /** Seconds (default 7200); 0 deletes. */
  lifetime?: number;
  /** 12 bytes; a random one when left out (repeat it to renew or delete). */
  nonce?: Uint8Array;
  thirdParty?: string;
  preferFailure?: boolean;
  /** FILTER options: remote peers allowed in. */
  filters?: { address: string; port?: number; prefixLength?: number }[];
}

export interface PcpMapResult {
  protocol: number;
  internalPort: number;
  externalAddress: string;
  externalPort: number;
  lifetime: number;
  epoch: number;
  nonce: Uint8Array;
}

const PROTOCOL_NUMBERS: Record<string, number> = { udp: 17, tcp: 6 };

/**
 * One client per gateway. A NAT-PMP request is sent at 0, 0.25, 0.75 … 63.75 s and given up at
 * 127.75 s (ETIMEDOUT); an ICMP port unreachable from the gateway ends it at once (ECONNREFUSED).
 */
export class PortMappingClient {
  readonly conn: Conn;
  readonly gateway: Endpoint;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly o: Required<Omit<ClientOptions, 'timers' | 'random' | 'clientAddress' | 'onStateLoss'>>;
  private lastEpoch: { epoch: number; at: number } | null = null;
  private readonly ownConn: boolean;

  constructor(socketOrConn: DgramLike | Conn, gateway: string, private readonly options: ClientOptions = {}) {
    this.ownConn = !(socketOrConn instanceof Conn);
    this.conn = socketOrConn instanceof Conn ? socketOrConn : new Conn(socketOrConn);
    if (!isIpv4(gateway)) throw new VnetError('EINVAL', `gateway ${JSON.stringify(gateway)} is not an IPv4 address; give the router's LAN address, e.g. 192.168.1.1`);
    this.gateway = { address: gateway, port: NATPMP_PORT };
    const sock = this.conn.socket;
    this.timers = options.timers ?? (sock instanceof VSocket ? engineTimers(sock.scheduler) : realTimers);
    this.random = options.random ?? Math.random;
    this.o = {
      natPmpInitialMs: options.natPmpInitialMs ?? 250, natPmpTries: options.natPmpTries ?? 9,
      pcpIrtMs: options.pcpIrtMs ?? 3000, pcpMrtMs: options.pcpMrtMs ?? 1_024_000, pcpMrc: options.pcpMrc ?? 0, pcpMrdMs: options.pcpMrdMs ?? 0,
    };
  }

  /** NAT-PMP op 0: the gateway's external address. */
  async externalAddress(): Promise<{ address: string; epoch: number }> {
    const r = await this.natPmp({ type: 'external-address-request' }, (m) =>
      m.type === 'external-address-response' || (m.type === 'error-response' && m.op === 0x80));
    const m = r as NatPmpMessage & { type: 'external-address-response' };
    return { address: formatIpv4(m.externalAddress), epoch: m.epoch };
  }

  /** NAT-PMP op 1/2: maps (lifetime > 0) or deletes (lifetime 0) a port. */
  async map(req: { protocol: NatPmpProtocol; internalPort: number; externalPort?: number; lifetime?: number }): Promise<MapResult> {
    const op = req.protocol === 'udp' ? NATPMP_OP_MAP_UDP : NATPMP_OP_MAP_TCP;
    const r = await this.natPmp(
      { type: 'map-request', protocol: req.protocol, internalPort: req.internalPort, suggestedExternalPort: req.externalPort ?? 0, lifetime: req.lifetime ?? 7200 },
      (m) => (m.type === 'map-response' && m.protocol === req.protocol && m.internalPort === req.internalPort) || (m.type === 'error-response' && m.op === (0x80 | op)),
    );
    const m = r as NatPmpMessage & { type: 'map-response' };
    return { protocol: m.protocol, internalPort: m.internalPort, externalPort: m.externalPort, lifetime: m.lifetime, epoch: m.epoch };
  }

  /** NAT-PMP delete: the map request with lifetime 0. */
  unmap(protocol: NatPmpProtocol, internalPort: number): Promise<MapResult> {
    return this.map({ protocol, internalPort, lifetime: 0 });
  }

  /** PCP ANNOUNCE: is a PCP server there? Resolves with its epoch. */
  async announce(): Promise<{ epoch: number }> {
    const r = await this.pcp(this.pcpRequest(PCP_OP_ANNOUNCE, 0, []), (m) => m.opcode === PCP_OP_ANNOUNCE);
    return { epoch: r.epoch };
  }

  /** PCP MAP: an inbound mapping (lifetime 0 deletes; repeat the nonce to renew or delete). */
  async pcpMap(req: PcpMapOptions): Promise<PcpMapResult> {
    return this.mapOrPeer(PCP_OP_MAP, req);
  }

  /** PCP PEER: the mapping of an outbound flow to one remote peer. */
  async pcpPeer(req: PcpMapOptions & { remoteAddress: string; remotePort: number }): Promise<PcpMapResult> {
    return this.mapOrPeer(PCP_OP_PEER, req, { remoteAddress: req.remoteAddress, remotePort: req.remotePort });
  }

  /** Stops reading (the socket stays the caller's). */
  close(): void {
    if (this.ownConn) this.conn.close();
  }

  private async mapOrPeer(opcode: number, req: PcpMapOptions, peer?: { remoteAddress: string; remotePort: number }): Promise<PcpMapResult> {
    const protocol = typeof req.protocol === 'number' ? req.protocol : PROTOCOL_NUMBERS[req.protocol];
    const nonce = req.nonce ?? new Uint8Array(randomBytes(12));
    const options: PcpOption[] = [];
    if (req.thirdParty !== undefined) options.push({ type: 'third-party', address: v4(req.thirdParty) });
    if (req.preferFailure) options.push({ type: 'prefer-failure' });
    for (const f of req.filters ?? []) options.push({ type: 'filter', prefixLength: f.prefixLength ?? 128, remotePort: f.port ?? 0, remoteAddress: v4(f.address) });
    const data = { nonce, protocol, internalPort: req.internalPort, externalPort: req.externalPort ?? 0, externalAddress: v4(req.externalAddress ?? '0.0.0.0') };
    const msg = this.pcpRequest(opcode, req.lifetime ?? 7200, options);
    if (opcode === PCP_OP_MAP) msg.map = data;
    else msg.peer = { ...data, remotePort: peer!.remotePort, remoteAddress: v4(peer!.remoteAddress) };
    const same = (a: Uint8Array): boolean => a.length === nonce.length && a.every((x, i) => x === nonce[i]);
    const r = await this.pcp(msg, (m) => {
      const d = opcode === PCP_OP_MAP ? m.map : m.peer;
      return m.opcode === opcode && (d === undefined || (same(d.nonce) && d.internalPort === req.internalPort));
    });
    const d = (opcode === PCP_OP_MAP ? r.map : r.peer)!;
    return { protocol: d.protocol, internalPort: d.internalPort, externalAddress: formatPcpAddress(d.externalAddress), externalPort: d.externalPort, lifetime: r.lifetime, epoch: r.epoch, nonce };
  }

  private pcpRequest(opcode: number, lifetime: number, options: PcpOption[]): PcpRequest {
    return { type: 'pcp-request', version: PCP_VERSION, opcode, lifetime, clientAddress: v4(this.clientAddress()), options };
  }

  private clientAddress(): string {
    if (this.options.clientAddress !== undefined) return this.options.clientAddress;
    const sock = this.conn.socket;
    if (sock instanceof VSocket) {
      const bound = sock.address().address;
      if (bound !== '0.0.0.0') return bound;
    }
    throw new VnetError('EINVAL', 'PCP needs the client\'s own address; bind the socket to it or pass clientAddress (the LAN address the socket sends from)');
  }

  private async natPmp(req: NatPmpMessage, matches: (m: NatPmpMessage) => boolean): Promise<NatPmpMessage> {
    let wait = this.o.natPmpInitialMs;
    const m = (await this.exchange(req, (r) => {
      const msg = r.message;
      return msg.type !== 'pcp-request' && msg.type !== 'pcp-response' && matches(msg);
    }, (sent) => {
      if (sent >= this.o.natPmpTries) return -1;
      const w = wait;
      wait *= 2;
      return w;
    })).message as NatPmpMessage & { result: number; epoch: number };
    this.epochCheck(m.epoch);
    if (m.result !== NatPmpResult.Success) throw new PortMappingError('nat-pmp', m.result, `the gateway ${this.gateway.address} answered ${natPmpResultName(m.result)} (NAT-PMP result ${m.result})`);
    return m;
  }

  private async pcp(req: PcpRequest, matches: (m: PcpResponse) => boolean): Promise<PcpResponse> {
    const started = this.timers.now();
    let rt = 0;
    const r = await this.exchange(req, (x) => {
      const msg = x.message;
      // A NAT-PMP-only gateway answers a PCP request with NAT-PMP "unsupported version" (RFC 6887 §9).
      if (msg.type === 'error-response' && msg.result === NatPmpResult.UnsupportedVersion) return true;
      return msg.type === 'pcp-response' && (msg.result === PcpResult.UnsuppVersion || msg.result === PcpResult.MalformedRequest || matches(msg));
    }, (sent) => {
      if (this.o.pcpMrc > 0 && sent >= this.o.pcpMrc) return -1;
      const jitter = 1 + (this.random() * 0.2 - 0.1);
      rt = rt === 0 ? jitter * this.o.pcpIrtMs : jitter * Math.min(2 * rt, this.o.pcpMrtMs);
      if (this.o.pcpMrdMs > 0) {
        const left = started + this.o.pcpMrdMs - this.timers.now();
        if (left <= 0) return -1;
        return Math.min(rt, left);
      }
      return rt;
    });
    if (r.message.type === 'error-response') {
      throw new PortMappingError('pcp', PcpResult.UnsuppVersion, `the gateway ${this.gateway.address} speaks NAT-PMP only (it answered PCP with NAT-PMP unsupported version); use NAT-PMP`);
    }
    const m = r.message as PcpResponse;
    this.epochCheck(m.epoch);
    if (m.result !== PcpResult.Success) {
      throw new PortMappingError('pcp', m.result, `the gateway ${this.gateway.address} answered ${pcpResultName(m.result)} (PCP result ${m.result}${m.lifetime > 0 ? `, for ${m.lifetime} s` : ''})`, m.lifetime);
    }
    return m;
  }

  /**
   * Sends `req` and re-sends it on the schedule `next(sentSoFar)` gives (ms to wait, or -1 to give up
   * once that wait is over); resolves with the first message from the gateway that `matches`.
   */
  private exchange(req: PortMappingMessage, matches: (r: Received) => boolean, next: (sent: number) => number): Promise<Received> {
    return new Promise((resolve, reject) => {
      let sent = 0;
      let timer: unknown;
      let done = false;
      const finish = (err: Error | null, r?: Received): void => {
        if (done) return;
        done = true;
        this.timers.clear(timer);
        untap();
        unIcmp();
        if (err) reject(err);
        else resolve(r!);
      };
      const untap = this.conn.tap((r) => {
        if (r.from.address !== this.gateway.address || r.from.port !== this.gateway.port || !matches(r)) return false;
        finish(null, r);
        return true;
      });
      const sock = this.conn.socket as DgramLike & { on(e: 'icmp', l: (n: IcmpNotice) => void): unknown; removeListener(e: 'icmp', l: (n: IcmpNotice) => void): unknown };
      const onIcmp = (n: IcmpNotice): void => {
        if (n.type === 3 && n.code === 3 && n.remote.address === this.gateway.address && n.remote.port === this.gateway.port) {
          finish(new VnetError('ECONNREFUSED', `the gateway ${this.gateway.address} has nothing on port ${this.gateway.port} (ICMP port unreachable); enable the service with \`vnet natpmp enable ROUTER\``));
        }
      };
      const icmpCapable = sock instanceof VSocket;
      if (icmpCapable) sock.on('icmp', onIcmp);
      const unIcmp = (): void => {
        if (icmpCapable) sock.removeListener('icmp', onIcmp);
      };
      const attempt = (): void => {
        if (done) return;
        const wait = next(sent);
        if (wait < 0) {
          finish(new VnetError('ETIMEDOUT', `no answer from ${this.gateway.address}:${this.gateway.port} after ${sent} tries over ${Math.round(this.timers.now() - started)} ms; is NAT-PMP/PCP enabled on the gateway (\`vnet natpmp enable ROUTER\`)?`));
          return;
        }
        sent++;
        this.conn.send(req, this.gateway).catch((err: Error) => finish(err));
        timer = this.timers.set(attempt, wait);
      };
      const started = this.timers.now();
      // The give-up check runs when the last wait ends: schedule "one more" that finds next() < 0.
      const first = next(0);
      sent = 1;
      this.conn.send(req, this.gateway).catch((err: Error) => finish(err));
      if (first < 0) finish(new VnetError('ETIMEDOUT', 'no tries allowed'));
      else timer = this.timers.set(attempt, first);
    });
  }

  /** RFC 6886 §3.6: an epoch lower than 7/8 of the time passed since the last one (less 2 s) means lost state. */
  private epochCheck(epoch: number): void {
    const now = this.timers.now();
    const last = this.lastEpoch;
    this.lastEpoch = { epoch, at: now };
    if (last === null) return;
    const expected = last.epoch + ((now - last.at) / 1000) * 7 / 8;
    if (epoch < expected - 2) this.options.onStateLoss?.(epoch);
  }
}

function v4(text: string): PcpAddress {
  return ipv4Mapped(parseIpv4(text));
}
