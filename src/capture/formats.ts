// The bytes of pcap and pcapng files (little-endian): file headers, pcapng's section and interface
// blocks, and the per-packet record headers the capture writer fills in place.
import { put32 } from '../wire/bytes.js';
import { putLe16, putLe32, putPcapngTimestampNs, subsecondNs, unixSeconds } from './le.js';

export type CaptureFormat = 'pcap' | 'pcapng';
export type TimestampResolution = 'ns' | 'us';

export const LINKTYPE_ETHERNET = 1;
export const MAX_SNAPLEN = 262144;

// pcap (libpcap 2.4): global header 24 bytes, record header 16 bytes.
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER = 16;

// pcapng block types and option codes.
export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_EPB = 0x00000006;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const SHB_USERAPPL = 4;
export const IF_NAME = 2;
export const IF_IPV4ADDR = 4;
export const IF_MACADDR = 6;
export const IF_TSRESOL = 9;
export const EPB_FLAGS = 2;
/** epb_flags direction bits (0-1). */
export const EPB_INBOUND = 0b01;
export const EPB_OUTBOUND = 0b10;
/** EPB fixed part before the packet data: type, length, interface, timestamp (2), caplen, origlen. */
export const EPB_HEADER = 28;

export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** The pcap global header: LE, version 2.4, `snaplen`, LINKTYPE_ETHERNET. */
export function pcapFileHeader(snaplen: number, resolution: TimestampResolution): Uint8Array {
  const b = new Uint8Array(PCAP_HEADER_LENGTH);
  putLe32(b, 0, resolution === 'ns' ? PCAP_MAGIC_NS : PCAP_MAGIC_US);
  putLe16(b, 4, 2);
  putLe16(b, 6, 4);
  putLe32(b, 16, snaplen);
  putLe32(b, 20, LINKTYPE_ETHERNET);
  return b;
}

/** Writes a pcap record header at buf[o..o+16]: seconds, µs or ns, captured and original length. */
export function putPcapRecordHeader(
  buf: Uint8Array, o: number, originS: number, ns: number, resolution: TimestampResolution, caplen: number, origlen: number,
): void {
  putLe32(buf, o, unixSeconds(originS, ns));
  const sub = subsecondNs(ns);
  putLe32(buf, o + 4, resolution === 'ns' ? sub : Math.floor(sub / 1000));
  putLe32(buf, o + 8, caplen);
  putLe32(buf, o + 12, origlen);
}

/** One pcapng option: code, length, value padded to 4. */
export interface PcapngOption {
  code: number;
  value: Uint8Array;
}

export function textOption(code: number, text: string): PcapngOption {
  return { code, value: new TextEncoder().encode(text) };
}

function optionsLength(options: readonly PcapngOption[]): number {
  let n = 4; // opt_endofopt
  for (const o of options) n += 4 + pad4(o.value.length);
  return n;
}

function writeOptions(b: Uint8Array, at: number, options: readonly PcapngOption[]): number {
  let o = at;
  for (const opt of options) {
    putLe16(b, o, opt.code);
    putLe16(b, o + 2, opt.value.length);
    b.set(opt.value, o + 4);
    o += 4 + pad4(opt.value.length);
  }
  putLe32(b, o, 0); // opt_endofopt
  return o + 4;
}

/** A block: type, total length, `fixed` body bytes, options, total length again. */
function block(type: number, fixed: Uint8Array, options: readonly PcapngOption[]): Uint8Array {
  const total = 12 + fixed.length + optionsLength(options);
  const b = new Uint8Array(total);
  putLe32(b, 0, type);
  putLe32(b, 4, total);
  b.set(fixed, 8);
  writeOptions(b, 8 + fixed.length, options);
  putLe32(b, total - 4, total);
  return b;
}

/** Section Header Block: LE byte-order magic, version 1.0, section length -1 (unknown), shb_userappl. */
export function sectionHeaderBlock(userAppl: string): Uint8Array {
  const fixed = new Uint8Array(16);
  putLe32(fixed, 0, BYTE_ORDER_MAGIC);
  putLe16(fixed, 4, 1);
  putLe16(fixed, 6, 0);
  putLe32(fixed, 8, 0xffffffff);
  putLe32(fixed, 12, 0xffffffff);
  return block(BLOCK_SHB, fixed, [textOption(SHB_USERAPPL, userAppl)]);
}

export interface InterfaceDescription {
  /** `NODE/IFACE`. */
  name: string;
  mac: Uint8Array;
  /** Address and netmask pairs, as uint32. */
  ipv4: readonly { address: number; netmask: number }[];
  snaplen: number;
}

/** Interface Description Block: LINKTYPE_ETHERNET, snaplen, if_name, if_MACaddr, if_IPv4addr per address, if_tsresol 9. */
export function interfaceDescriptionBlock(d: InterfaceDescription): Uint8Array {
  const fixed = new Uint8Array(8);
  putLe16(fixed, 0, LINKTYPE_ETHERNET);
  putLe32(fixed, 4, d.snaplen);
  const options: PcapngOption[] = [textOption(IF_NAME, d.name), { code: IF_MACADDR, value: d.mac.slice(0, 6) }];
  for (const a of d.ipv4) {
    const v = new Uint8Array(8);
    put32(v, 0, a.address);
    put32(v, 4, a.netmask);
    options.push({ code: IF_IPV4ADDR, value: v });
  }
  options.push({ code: IF_TSRESOL, value: Uint8Array.of(9) });
  return block(BLOCK_IDB, fixed, options);
}

/** Bytes an EPB's options take: epb_flags, an optional comment, opt_endofopt. */
export function epbOptionsLength(commentBytes: number): number {
  return 8 + (commentBytes > 0 ? 4 + pad4(commentBytes) : 0) + 4;
}

/**
 * Fills in an Enhanced Packet Block whose packet data (caplen bytes) already sits at buf[o+28..]:
 * the fixed header, zero padding to 4, epb_flags, an optional opt_comment, end of options and the
 * trailing length. Returns the block's total length.
 */
export function finishEnhancedPacketBlock(
  buf: Uint8Array, o: number, ifaceId: number, originS: number, ns: number, caplen: number, origlen: number,
  flags: number, comment: Uint8Array | null,
): number {
  const commentBytes = comment === null ? 0 : comment.length;
  const dataEnd = o + EPB_HEADER + caplen;
  const optStart = o + EPB_HEADER + pad4(caplen);
  for (let i = dataEnd; i < optStart; i++) buf[i] = 0;
  const total = EPB_HEADER + pad4(caplen) + epbOptionsLength(commentBytes) + 4;
  putLe32(buf, o, BLOCK_EPB);
  putLe32(buf, o + 4, total);
  putLe32(buf, o + 8, ifaceId);
  putPcapngTimestampNs(buf, o + 12, originS, ns);
  putLe32(buf, o + 20, caplen);
  putLe32(buf, o + 24, origlen);
  let p = optStart;
  putLe16(buf, p, EPB_FLAGS);
  putLe16(buf, p + 2, 4);
  putLe32(buf, p + 4, flags);
  p += 8;
  if (comment !== null && commentBytes > 0) {
    putLe16(buf, p, OPT_COMMENT);
    putLe16(buf, p + 2, commentBytes);
    buf.set(comment, p + 4);
    const end = p + 4 + pad4(commentBytes);
    for (let i = p + 4 + commentBytes; i < end; i++) buf[i] = 0;
    p = end;
  }
  putLe32(buf, p, 0);
  putLe32(buf, p + 4, total);
  return total;
}

/**
 * A pcapng block vnet writes only to fill the rest of a page of the file: a block type in the range
 * the pcapng spec leaves for local use (most significant bit set), which readers skip like any block
 * they do not know (tshark silently; so does readCapture). Its body is zeros.
 */
export const BLOCK_PAGE_PADDING = 0x80766e70;
/** Linux cuts a write() killed by a fatal signal only where a page of the file ends (4096 or a multiple). */
export const FILE_PAGE = 4096;
const MIN_BLOCK = 12;

/**
 * How many bytes of padding block (0, or at least 12) go before a block of `total` bytes that would
 * start at file offset `offset`, so that no page boundary of the file falls inside it: a killed
 * write then leaves whole blocks. Never leaves 4 or 8 bytes before a boundary (too few for a padding
 * block). A block longer than a page (a frame over 4040 bytes) cannot avoid a boundary; it is only
 * placed so the gap after it stays usable.
 */
export function pagePadding(offset: number, total: number): number {
  const room = FILE_PAGE - (offset % FILE_PAGE);
  if (total <= FILE_PAGE - MIN_BLOCK || total === FILE_PAGE) return total === room || total + MIN_BLOCK <= room ? 0 : room;
  const after = (FILE_PAGE - ((offset + total) % FILE_PAGE)) % FILE_PAGE;
  return after === 4 || after === 8 ? MIN_BLOCK : 0;
}

/** Writes a padding block of `length` bytes (a multiple of 4, at least 12) at buf[o..]. */
export function putPaddingBlock(buf: Uint8Array, o: number, length: number): void {
  putLe32(buf, o, BLOCK_PAGE_PADDING);
  putLe32(buf, o + 4, length);
  buf.fill(0, o + 8, o + length - 4);
  putLe32(buf, o + length - 4, length);
}
