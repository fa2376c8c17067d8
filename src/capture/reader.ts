// A small reader for the pcap and pcapng files vnet writes (either byte order for pcap; LE or BE
// sections for pcapng), for tests and tools: headers, interfaces with their options, packets with
// timestamps, flags and comments. Unknown blocks and options are skipped.
import { formatMac } from '../engine/mac.js';
import { formatIpv4 } from '../wire/addr.js';
import { get16, get32 } from '../wire/bytes.js';
import { WireError } from '../wire/errors.js';
import {
  BLOCK_EPB, BLOCK_IDB, BLOCK_SHB, BYTE_ORDER_MAGIC, EPB_FLAGS, IF_IPV4ADDR, IF_MACADDR, IF_NAME, IF_TSRESOL,
  OPT_COMMENT, PCAP_MAGIC_NS, PCAP_MAGIC_US, SHB_USERAPPL, type CaptureFormat,
} from './formats.js';
import { getLe16, getLe32 } from './le.js';

export interface CapturedInterface {
  linkType: number;
  snaplen: number;
  name?: string;
  mac?: string;
  ipv4: string[];
  /** if_tsresol (absent: 6). */
  tsresol: number;
}

export interface CapturedPacket {
  interfaceId: number;
  /** Time since 1970 in nanoseconds. */
  timestampNs: bigint;
  caplen: number;
  origlen: number;
  data: Uint8Array;
  /** pcapng epb_flags, when present. */
  flags?: number;
  comments: string[];
}

export interface CaptureFile {
  format: CaptureFormat;
  littleEndian: boolean;
  /** pcap: 'ns' or 'us' magic; pcapng: undefined. */
  resolution?: 'ns' | 'us';
  version: string;
  snaplen?: number;
  linkType?: number;
  userAppl?: string;
  interfaces: CapturedInterface[];
  packets: CapturedPacket[];
}

const text = new TextDecoder();

class Reader {
  constructor(readonly b: Uint8Array, public le: boolean) {}
  u16(o: number): number {
    this.need(o, 2);
    return this.le ? getLe16(this.b, o) : get16(this.b, o);
  }
  u32(o: number): number {
    this.need(o, 4);
    return this.le ? getLe32(this.b, o) : get32(this.b, o);
  }
  need(o: number, n: number): void {
    if (o + n > this.b.length) throw new WireError(`capture: truncated at byte ${o} (want ${n} more of ${this.b.length})`);
  }
}

/** Parses a whole capture file's bytes. Throws WireError on anything that is not a well-formed pcap/pcapng. */
export function readCapture(bytes: Uint8Array): CaptureFile {
  if (bytes.length < 4) throw new WireError(`capture: ${bytes.length} bytes is too short for a file header`);
  if (getLe32(bytes, 0) === BLOCK_SHB) return readPcapng(bytes);
  return readPcap(bytes);
}

function readPcap(bytes: Uint8Array): CaptureFile {
  let r = new Reader(bytes, true);
  let magic = r.u32(0);
  if (magic !== PCAP_MAGIC_NS && magic !== PCAP_MAGIC_US) {
    r = new Reader(bytes, false);
    magic = r.u32(0);
    if (magic !== PCAP_MAGIC_NS && magic !== PCAP_MAGIC_US) throw new WireError(`capture: magic 0x${magic.toString(16)} is neither pcap nor pcapng`);
  }
  const ns = magic === PCAP_MAGIC_NS;
  r.need(0, 24);
  const file: CaptureFile = {
    format: 'pcap', littleEndian: r.le, resolution: ns ? 'ns' : 'us', version: `${r.u16(4)}.${r.u16(6)}`,
    snaplen: r.u32(16), linkType: r.u32(20) & 0xffff, interfaces: [], packets: [],
  };
  file.interfaces.push({ linkType: file.linkType!, snaplen: file.snaplen!, ipv4: [], tsresol: ns ? 9 : 6 });
  for (let o = 24; o < bytes.length; ) {
    const secs = r.u32(o);
    const sub = r.u32(o + 4);
    const caplen = r.u32(o + 8);
    const origlen = r.u32(o + 12);
    r.need(o + 16, caplen);
    file.packets.push({
      interfaceId: 0, timestampNs: BigInt(secs) * 1_000_000_000n + BigInt(ns ? sub : sub * 1000), caplen, origlen,
      data: bytes.subarray(o + 16, o + 16 + caplen), comments: [],
    });
    o += 16 + caplen;
  }
  return file;
}

interface Option {
  code: number;
  value: Uint8Array;
}

function options(r: Reader, start: number, end: number): Option[] {
  const out: Option[] = [];
  for (let o = start; o + 4 <= end; ) {
    const code = r.u16(o);
    const len = r.u16(o + 2);
    if (code === 0) break;
    r.need(o + 4, len);
    if (o + 4 + len > end) throw new WireError(`capture: option ${code} at byte ${o} runs past its block`);
    out.push({ code, value: r.b.subarray(o + 4, o + 4 + len) });
    o += 4 + ((len + 3) & ~3);
  }
  return out;
}

/** The number of bits set in a 32-bit netmask. */
function maskBits(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}

function readPcapng(bytes: Uint8Array): CaptureFile {
  const r = new Reader(bytes, true);
  const file: CaptureFile = { format: 'pcapng', littleEndian: true, version: '', interfaces: [], packets: [] };
  for (let o = 0; o < bytes.length; ) {
    r.need(o, 12);
    if (getLe32(bytes, o) === BLOCK_SHB) {
      r.le = getLe32(bytes, o + 8) === BYTE_ORDER_MAGIC;
      if (!r.le && get32(bytes, o + 8) !== BYTE_ORDER_MAGIC) throw new WireError(`capture: section at byte ${o} has no byte-order magic`);
    }
    const type = r.u32(o);
    const total = r.u32(o + 4);
    if (total < 12 || total % 4 !== 0) throw new WireError(`capture: block at byte ${o} has length ${total} (want a multiple of 4, at least 12)`);
    r.need(o, total);
    if (r.u32(o + total - 4) !== total) throw new WireError(`capture: block at byte ${o}: trailing length ${r.u32(o + total - 4)} ≠ ${total}`);
    const end = o + total - 4;
    if (type === BLOCK_SHB) {
      file.littleEndian = r.le;
      file.version = `${r.u16(o + 12)}.${r.u16(o + 14)}`;
      file.interfaces = [];
      for (const opt of options(r, o + 24, end)) if (opt.code === SHB_USERAPPL) file.userAppl = text.decode(opt.value);
    } else if (type === BLOCK_IDB) {
      const iface: CapturedInterface = { linkType: r.u16(o + 8), snaplen: r.u32(o + 12), ipv4: [], tsresol: 6 };
      for (const opt of options(r, o + 16, end)) {
        if (opt.code === IF_NAME) iface.name = text.decode(opt.value);
        else if (opt.code === IF_MACADDR) iface.mac = formatMac(fixedOption(opt, 6, o));
        else if (opt.code === IF_IPV4ADDR) {
          const v = fixedOption(opt, 8, o);
          iface.ipv4.push(`${formatIpv4(get32(v, 0))}/${maskBits(get32(v, 4))}`);
        } else if (opt.code === IF_TSRESOL) iface.tsresol = fixedOption(opt, 1, o)[0];
      }
      file.interfaces.push(iface);
    } else if (type === BLOCK_EPB) {
      const interfaceId = r.u32(o + 8);
      const iface = file.interfaces[interfaceId];
      if (iface === undefined) throw new WireError(`capture: packet at byte ${o} names interface ${interfaceId}, but ${file.interfaces.length} are described`);
      const units = (BigInt(r.u32(o + 12)) << 32n) | BigInt(r.u32(o + 16));
      const caplen = r.u32(o + 20);
      // Compared before padding: caplen + 3 past 2^31 wraps in 32-bit arithmetic.
      if (caplen > end - (o + 28)) throw new WireError(`capture: packet at byte ${o} has caplen ${caplen}, more than its block holds (${Math.max(0, end - o - 28)} bytes)`);
      const dataEnd = o + 28 + Math.ceil(caplen / 4) * 4;
      if (dataEnd > end) throw new WireError(`capture: packet at byte ${o} has caplen ${caplen}, more than its block holds`);
      const p: CapturedPacket = {
        interfaceId, timestampNs: toNs(units, iface.tsresol), caplen, origlen: r.u32(o + 24),
        data: bytes.subarray(o + 28, o + 28 + caplen), comments: [],
      };
      for (const opt of options(r, dataEnd, end)) {
        if (opt.code === EPB_FLAGS && opt.value.length === 4) p.flags = r.le ? getLe32(opt.value, 0) : get32(opt.value, 0);
        else if (opt.code === OPT_COMMENT) p.comments.push(text.decode(opt.value));
      }
      file.packets.push(p);
    }
    o += total;
  }
  return file;
}

/** An option's value that must be `size` bytes long (`if_tsresol` 1, `if_MACaddr` 6, `if_IPv4addr` 8). */
function fixedOption(opt: Option, size: number, block: number): Uint8Array {
  if (opt.value.length !== size) throw new WireError(`capture: option ${opt.code} of the interface block at byte ${block} holds ${opt.value.length} bytes, want ${size}`);
  return opt.value;
}

function toNs(units: bigint, tsresol: number): bigint {
  if (tsresol & 0x80) throw new WireError(`capture: binary timestamp resolution 2^-${tsresol & 0x7f} is not supported`);
  const exp = tsresol;
  return exp <= 9 ? units * 10n ** BigInt(9 - exp) : units / 10n ** BigInt(exp - 9);
}
