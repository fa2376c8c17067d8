// A STUN client on a virtual host for the NAT probe: Binding transactions with retransmission
// (RFC 8489 §6.2.1 with a short RTO, as RFC 5780 allows an emulator), and waits that move a
// virtual clock themselves or sleep on the real one, through the network's one scheduler.
import { WireError } from '../wire/errors.js';
import { encodeStun, looksLikeStun, parseStun, STUN_METHOD_BINDING, type StunAttribute, type StunMessage } from '../wire/stun.js';
import { VirtualClock } from '../engine/clock.js';
import type { Host } from '../engine/host.js';
import type { Network } from '../engine/network.js';
import type { Rng } from '../engine/rng.js';
import type { VSocket } from '../engine/socket.js';

export interface Endpoint {
  address: string;
  port: number;
}

export const endpointText = (e: Endpoint): string => `${e.address}:${e.port}`;
export const sameEndpoint = (a: Endpoint, b: Endpoint): boolean => a.address === b.address && a.port === b.port;

/** Waits on the network's clock: a virtual one is moved forward by the wait itself, task by task. */
export class ProbeClock {
  readonly net: Network;
  readonly virtual: boolean;
  private poke: (() => void) | null = null;

  constructor(net: Network) {
    this.net = net;
    this.virtual = net.clock instanceof VirtualClock;
  }

  now(): number {
    return this.net.now();
  }

  /** Something arrived: a real-clock wait checks its condition again. */
  notify(): void {
    this.poke?.();
  }

  /** Waits until cond() holds (true) or the clock reaches `deadline` ns (false). */
  until(cond: () => boolean, deadline: number): Promise<boolean> {
    const sched = this.net.scheduler;
    if (this.virtual) {
      sched.runDue();
      while (!cond()) {
        const now = sched.now();
        if (now >= deadline) return Promise.resolve(false);
        const next = sched.nextDue();
        const to = next === undefined ? deadline : Math.min(Math.max(next, now), deadline);
        sched.advance(to - now);
      }
      return Promise.resolve(true);
    }
    if (cond()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const task = sched.at(Math.max(deadline, sched.now()), () => {
        this.poke = null;
        resolve(cond());
      });
      this.poke = () => {
        if (!cond()) return;
        sched.cancel(task);
        this.poke = null;
        resolve(true);
      };
    });
  }

  /** Lets `ns` pass. */
  async sleep(ns: number): Promise<void> {
    await this.until(() => false, this.now() + ns);
  }
}

export interface Received {
  msg: StunMessage;
  from: Endpoint;
}

/** Probe ports are picked at random below the ephemeral range (RFC 5780 §4.1: a fresh, unused port). */
const PROBE_PORT_LOW = 32768;
const PROBE_PORT_HIGH = 49151;

/** One UDP socket of the probe: sends Binding requests and keeps every STUN message it receives. */
export class ProbeSocket {
  readonly sock: VSocket;
  readonly local: Endpoint;
  readonly received: Received[] = [];
  private readonly clock: ProbeClock;
  private readonly rng: Rng;

  constructor(host: Host, clock: ProbeClock, rng: Rng) {
    this.clock = clock;
    this.rng = rng;
    let sock: VSocket | undefined;
    for (let i = 0; sock === undefined; i++) {
      const s = host.createSocket('udp4');
      try {
        sock = s.bindNow(i < 64 ? rng.int(PROBE_PORT_LOW, PROBE_PORT_HIGH) : 0);
      } catch {
        s.close();
      }
    }
    this.sock = sock;
    this.local = { address: host.ip, port: sock.address().port };
    sock.on('message', (msg: Buffer, rinfo: { address: string; port: number }) => {
      if (!looksLikeStun(msg)) return;
      try {
        this.received.push({ msg: parseStun(msg), from: { address: rinfo.address, port: rinfo.port } });
      } catch (err) {
        if (!(err instanceof WireError)) throw err;
        return;
      }
      clock.notify();
    });
  }

  /** A fresh transaction ID from the probe's seeded random source. */
  transactionId(): Uint8Array {
    const t = new Uint8Array(12);
    for (let i = 0; i < 12; i += 4) new DataView(t.buffer).setUint32(i, this.rng.nextU32());
    return t;
  }

  /** Sends a Binding request (no retransmission); returns its transaction ID. */
  sendRequest(to: Endpoint, attributes: StunAttribute[] = [], tid = this.transactionId()): Uint8Array {
    this.sock.sendBytes(encodeStun({ method: STUN_METHOD_BINDING, cls: 'request', transactionId: tid, attributes }, true), to.port, to.address);
    return tid;
  }

  /** The first response (success or error) to `tid` received so far. */
  responseTo(tid: Uint8Array): Received | undefined {
    return this.received.find((r) => (r.msg.cls === 'success' || r.msg.cls === 'error') && sameBytes(r.msg.transactionId, tid));
  }

  /**
   * A Binding transaction: the request sent at 0, RTO, 3 RTO, ... (doubling) until `timeoutNs`;
   * the response, or undefined when none came. `answerOn` is where the answer is awaited (RESPONSE-PORT).
   */
  async transact(to: Endpoint, attributes: StunAttribute[], t: { rtoNs: number; timeoutNs: number }, answerOn: ProbeSocket = this): Promise<Received | undefined> {
    const tid = this.transactionId();
    const end = this.clock.now() + t.timeoutNs;
    let rto = t.rtoNs;
    for (let next = this.clock.now(); ; next += rto, rto *= 2) {
      this.sendRequest(to, attributes, tid);
      const got = await this.clock.until(() => answerOn.responseTo(tid) !== undefined, Math.min(next + rto, end));
      if (got) return answerOn.responseTo(tid);
      if (this.clock.now() >= end) return undefined;
    }
  }

  /** A Binding request from anyone (the hairpin test), received so far. */
  requestFrom(address?: string): Received | undefined {
    return this.received.find((r) => r.msg.cls === 'request' && (address === undefined || r.from.address === address));
  }

  close(): void {
    if (!this.sock.closed) this.sock.close();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

