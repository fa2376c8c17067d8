// IPv4 fragmentation (RFC 791 §2.3, §3.2): a datagram, or a fragment, cut into fragments that fit an MTU.
import { encodePacket } from './codec.js';
import { WireError } from './errors.js';
import { FRAG_MF, fragmentOffset, moreFragments, packetLength, readFragmentFields, type Packet } from './packet.js';

/**
 * The options later fragments carry: those with the copy flag (0x80 in the type) as they are, the others
 * overwritten with No Operation so the header keeps its length (as Linux's ip_options_fragment does).
 */
export function optionsForLaterFragments(options: Uint8Array | null): Uint8Array | null {
  if (options === null) return null;
  const out = options.slice();
  let i = 0;
  while (i < out.length) {
    const type = out[i];
    if (type === 0) break; // End of Option List: the rest is padding
    if (type === 1) {
      i++;
      continue;
    }
    const len = i + 1 < out.length ? Math.max(out[i + 1], 2) : out.length - i;
    const end = Math.min(i + len, out.length);
    if ((type & 0x80) === 0) out.fill(1, i, end);
    i = end;
  }
  return out;
}

/**
 * Cuts `p` into fragments of at most `mtu` bytes each, in order: every fragment but the last carries a
 * multiple of 8 bytes of the IP payload, all keep `p`'s header fields (id, DF, TTL), the first keeps all the
 * options and later ones only those copied into every fragment. A fragment is cut again with its offset
 * and its More Fragments bit kept on the last piece; a packet that fits comes back as it is. Throws
 * WireError when not even 8 bytes fit.
 */
export function fragmentPacket(p: Packet, mtu: number): Packet[] {
  if (packetLength(p) <= mtu) return [p];
  const optLen = p.options === null ? 0 : p.options.length;
  const hl = 20 + optLen;
  const step = (mtu - hl) & ~7;
  if (step < 8) throw new WireError(`ipv4: an MTU of ${mtu} bytes leaves no room for fragments of a ${hl}-byte header`);
  const raw = p.frag ? p.payload : encodePacket(p).subarray(hl);
  const base = fragmentOffset(p);
  const lastMf = moreFragments(p) ? FRAG_MF : 0;
  const later = base === 0 ? optionsForLaterFragments(p.options) : p.options;
  const out: Packet[] = [];
  for (let off = 0; off < raw.length; off += step) {
    const end = Math.min(off + step, raw.length);
    const f: Packet = {
      src: p.src, dst: p.dst, proto: p.proto, ttl: p.ttl, tos: p.tos, id: p.id, df: p.df,
      frag: ((base + off) >>> 3) | (end < raw.length ? FRAG_MF : lastMf),
      options: off === 0 ? p.options : later,
      srcPort: 0, dstPort: 0, icmpType: 0, icmpCode: 0, icmpId: 0, icmpSeq: 0, payload: raw.subarray(off, end),
    };
    readFragmentFields(f);
    out.push(f);
  }
  return out;
}
