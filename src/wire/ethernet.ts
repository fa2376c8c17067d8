// Ethernet II frames with 802.1Q / 802.1ad (QinQ) VLAN tags: the header writer captures use,
// and a checked view that parses one back.
import { get16, put16 } from './bytes.js';
import { WireError } from './errors.js';

/*
 * Ethernet II (no preamble, no FCS), optionally tagged:
 *
 *   dst MAC (6) | src MAC (6) | EtherType (2) | payload
 *   dst MAC (6) | src MAC (6) | 0x8100 | TCI (2) | EtherType (2) | payload          802.1Q
 *   dst MAC (6) | src MAC (6) | 0x88A8 | S-TCI | 0x8100 | C-TCI | EtherType | payload  802.1ad QinQ
 *
 * TCI: PCP (3 bits) | DEI (1) | VID (12). A frame is at least 60 bytes without FCS: short
 * payloads are padded with zeros.
 */
export const ETH_OFF_DST = 0;
export const ETH_OFF_SRC = 6;
export const ETH_OFF_TYPE = 12;
export const ETH_HEADER_LENGTH = 14;
export const VLAN_TAG_LENGTH = 4;
/** Smallest frame on the wire without its 4-byte FCS. */
export const ETH_MIN_FRAME = 60;
export const MAX_VLAN_TAGS = 2;

export const ETHERTYPE_IPV4 = 0x0800;
/** 802.1Q customer tag (C-tag); the only tag of a singly tagged frame, the inner one of QinQ. */
export const TPID_CTAG = 0x8100;
/** 802.1ad service tag (S-tag): the outer tag of QinQ. */
export const TPID_STAG = 0x88a8;
/** The pre-802.1ad outer tag some switches still send; read, never written. */
const TPID_QINQ_LEGACY = 0x9100;

export const BROADCAST_MAC: Readonly<Uint8Array> = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** Header length for a VLAN stack of `tags` tags (0, 1 or 2). */
export function ethernetHeaderLength(tags: number): number {
  return ETH_HEADER_LENGTH + VLAN_TAG_LENGTH * tags;
}

/**
 * Writes an Ethernet II header at buf[offset..] and returns its length. `vlan` lists VLAN IDs outer
 * first (PCP and DEI 0): one tag is 802.1Q (0x8100), two are 802.1ad (outer 0x88A8, inner 0x8100).
 */
export function writeEthernetHeader(
  buf: Uint8Array, offset: number, dst: Uint8Array, src: Uint8Array, vlan: readonly number[], etherType: number,
): number {
  const tags = vlan.length;
  if (tags > MAX_VLAN_TAGS) throw new WireError(`ethernet: ${tags} VLAN tags; at most ${MAX_VLAN_TAGS} (802.1ad outer, 802.1Q inner)`);
  for (let i = 0; i < 6; i++) {
    buf[offset + i] = dst[i];
    buf[offset + 6 + i] = src[i];
  }
  let o = offset + ETH_OFF_TYPE;
  for (let i = 0; i < tags; i++) {
    put16(buf, o, tags === 2 && i === 0 ? TPID_STAG : TPID_CTAG);
    put16(buf, o + 2, vlan[i] & 0x0fff);
    o += VLAN_TAG_LENGTH;
  }
  put16(buf, o, etherType);
  return o + 2 - offset;
}

/** The MAC an IPv4 multicast address maps to (RFC 1112 §6.4): 01:00:5e and the low 23 bits. */
export function ipv4MulticastMac(ip: number, out = new Uint8Array(6)): Uint8Array {
  out[0] = 0x01;
  out[1] = 0x00;
  out[2] = 0x5e;
  out[3] = (ip >>> 16) & 0x7f;
  out[4] = (ip >>> 8) & 0xff;
  out[5] = ip & 0xff;
  return out;
}

export interface VlanTag {
  tpid: number;
  pcp: number;
  dei: boolean;
  vid: number;
}

/** A checked view over an Ethernet II frame: MACs, VLAN tags (outer first), EtherType and payload. */
export class EthernetView {
  readonly bytes: Uint8Array;
  readonly tags: readonly VlanTag[];
  /** Offset of the innermost EtherType field. */
  private readonly typeOffset: number;

  private constructor(bytes: Uint8Array, tags: VlanTag[], typeOffset: number) {
    this.bytes = bytes;
    this.tags = tags;
    this.typeOffset = typeOffset;
  }

  /** Parses a frame: at least 14 bytes, and every VLAN tag (0x8100, 0x88A8, 0x9100) complete. */
  static checked(bytes: Uint8Array): EthernetView {
    if (bytes.length < ETH_HEADER_LENGTH) throw new WireError(`ethernet: truncated (${bytes.length} < ${ETH_HEADER_LENGTH} bytes)`);
    const tags: VlanTag[] = [];
    let o = ETH_OFF_TYPE;
    for (;;) {
      const type = get16(bytes, o);
      if (type !== TPID_CTAG && type !== TPID_STAG && type !== TPID_QINQ_LEGACY) break;
      if (o + VLAN_TAG_LENGTH + 2 > bytes.length) throw new WireError(`ethernet: VLAN tag ${tags.length + 1} truncated (frame of ${bytes.length} bytes)`);
      const tci = get16(bytes, o + 2);
      tags.push({ tpid: type, pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0x0fff });
      o += VLAN_TAG_LENGTH;
    }
    return new EthernetView(bytes, tags, o);
  }

  get dst(): Uint8Array {
    return this.bytes.subarray(ETH_OFF_DST, ETH_OFF_DST + 6);
  }

  get src(): Uint8Array {
    return this.bytes.subarray(ETH_OFF_SRC, ETH_OFF_SRC + 6);
  }

  /** The innermost EtherType (0x0800 for IPv4). */
  get etherType(): number {
    return get16(this.bytes, this.typeOffset);
  }

  get headerLength(): number {
    return this.typeOffset + 2;
  }

  /** Everything after the header, padding included (the IPv4 total length says where the packet ends). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLength);
  }

  toString(): string {
    const mac = (m: Uint8Array): string => Array.from(m, (b) => b.toString(16).padStart(2, '0')).join(':');
    const vlan = this.tags.length > 0 ? ` vlan ${this.tags.map((t) => t.vid).join('.')}` : '';
    return `Ethernet ${mac(this.src)} → ${mac(this.dst)}${vlan} type 0x${this.etherType.toString(16).padStart(4, '0')} len=${this.bytes.length}`;
  }
}
