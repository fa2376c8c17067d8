// One running capture: taps on its interfaces that frame each packet and append a pcap record or
// a pcapng Enhanced Packet Block straight into the output buffer (no per-packet allocation for
// files). A tap never throws into the engine: failures end this capture only.
import type { Interface, Tap } from '../engine/iface.js';
import type { DropReason } from '../engine/stats.js';
import { WireError } from '../wire/errors.js';
import type { Packet } from '../wire/packet.js';
import { dropComment, dropDirection } from './drops.js';
import {
  EPB_HEADER, EPB_INBOUND, EPB_OUTBOUND, epbOptionsLength, finishEnhancedPacketBlock, PCAP_RECORD_HEADER,
  putPcapRecordHeader, type CaptureFormat, type TimestampResolution,
} from './formats.js';
import { EncodeCache } from './encode-cache.js';
import { InterfaceFramer } from './framer.js';
import type { CaptureOutput } from './output.js';

export type CaptureState = 'running' | 'stopped' | 'failed';

export interface CaptureInfo {
  id: number;
  ifaces: string[];
  file: string | null;
  format: CaptureFormat;
  snaplen: number;
  withDrops: boolean;
  packets: number;
  bytes: number;
  dropsRecorded: number;
  state: CaptureState;
  error?: string;
  startedAtNs: number;
}

export interface CaptureSettings {
  id: number;
  ifaces: Interface[];
  file: string | null;
  format: CaptureFormat;
  snaplen: number;
  withDrops: boolean;
  resolution: TimestampResolution;
  originUnixSeconds: number;
  startedAtNs: number;
}

/** Room for the largest comment ("dropped: " + the longest reason) and EPB options. */
const MAX_EPB_EXTRA = EPB_HEADER + 3 + epbOptionsLength(64) + 4;

export class Capture {
  readonly s: CaptureSettings;
  state: CaptureState = 'running';
  error: string | undefined;
  /** Records in the file (or handed to the sink); those still in the buffer are `pending` until a flush writes them. */
  packets = 0;
  bytes = 0;
  dropsRecorded = 0;
  private pending = { packets: 0, bytes: 0, drops: 0 };
  private readonly out: CaptureOutput;
  private readonly framers: InterfaceFramer[];
  private readonly detachers: (() => void)[] = [];
  private readonly onFail: (c: Capture) => void;
  private readonly ip = new EncodeCache();

  constructor(s: CaptureSettings, out: CaptureOutput, onFail: (c: Capture) => void) {
    this.s = s;
    this.out = out;
    this.onFail = onFail;
    this.framers = s.ifaces.map((i) => new InterfaceFramer(i));
    out.onWritten = () => {
      const p = this.pending;
      this.packets += p.packets;
      this.bytes += p.bytes;
      this.dropsRecorded += p.drops;
      p.packets = p.bytes = p.drops = 0;
    };
  }

  /** Attaches one tap per interface; packets are written from now on. */
  attach(): void {
    this.s.ifaces.forEach((iface, index) => {
      const framer = this.framers[index];
      const tap: Tap = {
        packet: (pkt, dir, _iface, time) => this.record(framer, index, pkt, dir, time, null),
      };
      if (this.s.withDrops) {
        tap.drop = (pkt, reason, _iface, time) => this.record(framer, index, pkt, dropDirection(pkt, reason, iface), time, reason);
      }
      this.detachers.push(iface.addTap(tap));
    });
  }

  /** Counts what the file holds, plus (while running) the records waiting in the buffer. */
  info(): CaptureInfo {
    const s = this.s;
    const p = this.pending;
    const info: CaptureInfo = {
      id: s.id, ifaces: s.ifaces.map((i) => i.fullName), file: s.file, format: s.format, snaplen: s.snaplen,
      withDrops: s.withDrops, packets: this.packets + p.packets, bytes: this.bytes + p.bytes, dropsRecorded: this.dropsRecorded + p.drops,
      state: this.state, startedAtNs: s.startedAtNs,
    };
    if (this.error !== undefined) info.error = this.error;
    return info;
  }

  /** Writes what is buffered now. */
  flush(): void {
    if (this.state !== 'running') return;
    try {
      this.out.flush();
    } catch (err) {
      this.fail(err);
    }
  }

  /** Detaches, flushes and closes. A failure while flushing leaves the capture 'failed' with the error. */
  stop(): void {
    this.detach();
    if (this.state !== 'running') return;
    try {
      this.out.close();
      this.state = 'stopped';
    } catch (err) {
      this.out.abandon();
      this.discardPending();
      this.state = 'failed';
      this.error = this.describeFailure(err);
    }
  }

  /** Records that never reached the file are not counted. */
  private discardPending(): void {
    const p = this.pending;
    p.packets = p.bytes = p.drops = 0;
  }

  /** Ends the capture after an output failure; the network and other captures go on. */
  fail(err: unknown): void {
    if (this.state !== 'running') return;
    this.detach();
    this.out.abandon();
    this.discardPending();
    this.state = 'failed';
    this.error = this.describeFailure(err);
    this.onFail(this);
  }

  private detach(): void {
    for (const d of this.detachers.splice(0)) d();
    this.ip.clear();
  }

  private record(framer: InterfaceFramer, ifaceId: number, pkt: Packet, dir: 'in' | 'out' | null, time: number, reason: DropReason | null): void {
    if (this.state !== 'running') return;
    const out = this.out;
    const start = out.used;
    let caplen: number;
    try {
      const frameMax = framer.frameLength(pkt);
      if (this.s.format === 'pcap') {
        out.reserve(PCAP_RECORD_HEADER + frameMax);
        const at = out.used;
        const len = framer.write(pkt, dir ?? 'in', out.buf, at + PCAP_RECORD_HEADER, this.ip);
        caplen = len < this.s.snaplen ? len : this.s.snaplen;
        putPcapRecordHeader(out.buf, at, this.s.originUnixSeconds, time, this.s.resolution, caplen, len);
        out.used = at + PCAP_RECORD_HEADER + caplen;
      } else {
        out.reserve(frameMax + MAX_EPB_EXTRA + out.blockSlack);
        const at = out.used;
        const len = framer.write(pkt, dir ?? 'in', out.buf, at + EPB_HEADER, this.ip);
        caplen = len < this.s.snaplen ? len : this.s.snaplen;
        const flags = dir === 'in' ? EPB_INBOUND : dir === 'out' ? EPB_OUTBOUND : 0;
        const comment = reason === null ? null : dropComment(reason);
        // The reserve above covers the options too: they go after the (possibly truncated) data.
        const total = finishEnhancedPacketBlock(out.buf, at, ifaceId, this.s.originUnixSeconds, time, caplen, len, flags, comment);
        out.used = out.placeBlock(at, total);
      }
    } catch (err) {
      out.used = start;
      // A packet the codec cannot serialize (never seen from the engine) is left out of the file.
      if (err instanceof WireError) return;
      this.fail(err);
      return;
    }
    // Counted as pending first: the commit may flush this very record.
    const p = this.pending;
    p.bytes += caplen;
    if (reason === null) p.packets++;
    else p.drops++;
    try {
      out.commit();
    } catch (err) {
      this.fail(err);
    }
  }

  private describeFailure(err: unknown): string {
    const e = err as NodeJS.ErrnoException;
    const where = this.s.file !== null ? `writing ${this.s.file}` : 'its output stream';
    const what = e?.code ? `${e.code} (${e.message.replace(/^[A-Z]+: /, '').replace(/, write$/, '')})` : String(e?.message ?? err);
    return `capture ${this.s.id} stopped: ${where} failed with ${what}; ${this.s.file !== null ? 'free space or pick another path and start it again' : 'start it again'}`;
  }
}
