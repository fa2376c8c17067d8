// `--drop-match`: a subset of pcap-filter syntax compiled once into a
// predicate over packets, and the stage that drops what matches ('match').
import { Cidr, parseIpv4 } from '../../wire/addr.js';
import { packetLength, PROTO_ICMP, PROTO_TCP, PROTO_UDP, type Packet } from '../../wire/packet.js';
import { invalid } from '../errors.js';
import { Stage, type StageContext } from './stage.js';

export type PacketPredicate = (p: Packet) => boolean;

/** Drops packets the predicate matches, reason 'match'. */
export class MatchDropStage extends Stage {
  constructor(
    ctx: StageContext,
    private readonly matches: PacketPredicate,
  ) {
    super(ctx);
  }

  push(pkt: Packet): void {
    if (this.matches(pkt)) this.ctx.drop(pkt, 'match');
    else this.next.push(pkt);
  }
}

interface Token {
  text: string;
  /** 0-based character offset in the expression. */
  pos: number;
}

type Dir = 'src' | 'dst' | 'src or dst' | 'src and dst';
type Kind = 'host' | 'net' | 'port' | 'portrange';
/** The qualifiers of the last primitive, reused by a bare value: `port 53 or 80` means `port 53 or port 80`. */
interface Qualifiers {
  proto: number | undefined;
  dir: Dir;
  kind: Kind;
}

const PROTOCOLS: Record<string, number> = { icmp: PROTO_ICMP, tcp: PROTO_TCP, udp: PROTO_UDP };
const KINDS = new Set(['host', 'net', 'port', 'portrange']);
const KEYWORDS = ['ip', 'udp', 'tcp', 'icmp', 'host', 'net', 'port', 'portrange', 'src', 'dst', 'proto', 'len', 'greater', 'less', 'not'];
const hasPorts = (p: Packet): boolean => p.proto === PROTO_UDP || p.proto === PROTO_TCP;

/**
 * Compiles a pcap-filter expression such as `udp and dst port 53`,
 * `not src net 10.0.0.0/8`, `icmp or (tcp and portrange 8000-8100)`, `len > 1000`.
 *
 * Primitives: `ip`, `udp`, `tcp`, `icmp`, `[ip] proto N`; `[src|dst] host A`, `src A`, `dst A`;
 * `[src|dst] net CIDR`; `[src|dst] port N`; `[src|dst] portrange A-B` (`src or dst` and
 * `src and dst` also qualify); `udp`/`tcp` may prefix a port primitive (`udp dst port 53`)
 * and `ip` an address one. `len OP N` (OP one of > < >= <= == = !=), `greater N` (len >= N),
 * `less N` (len <= N); lengths are IP bytes, as there is no link layer. Operators: `not`/`!`
 * binds tightest, then `and`/`&&`, then `or`/`||`; parentheses group. A bare value repeats
 * the previous primitive's qualifiers, as in pcap: `host 10.0.0.1 or 10.0.0.2`.
 * Errors are VnetError EINVAL naming the 0-based position of the offending token.
 */
export function parseMatch(expr: string): PacketPredicate {
  return new MatchParser(expr).parse();
}

class MatchParser {
  private readonly tokens: Token[];
  private i = 0;
  private last: Qualifiers | undefined;

  constructor(private readonly expr: string) {
    this.tokens = tokenize(expr, (fact, pos, mend) => this.fail(fact, { text: '', pos }, mend));
  }

  parse(): PacketPredicate {
    if (this.tokens.length === 0) throw invalid('drop-match: the expression is empty; write e.g. "udp and dst port 53"');
    const pred = this.orExpr();
    const extra = this.peek();
    if (extra) this.fail(`unexpected "${extra.text}"`, extra, 'join primitives with "and" or "or"');
    return pred;
  }

  /** Throws "drop-match: FACT at position N in "EXPR"; MEND". */
  private fail(fact: string, at: Token | undefined, mend?: string): never {
    const where = at ? `at position ${at.pos} in` : 'at the end of';
    throw invalid(`drop-match: ${fact} ${where} "${this.expr}"${mend ? `; ${mend}` : ''}`);
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  private word(offset = 0): string | undefined {
    return this.peek(offset)?.text.toLowerCase();
  }

  private take(): Token | undefined {
    return this.tokens[this.i++];
  }

  private orExpr(): PacketPredicate {
    let left = this.andExpr();
    while (this.word() === 'or' || this.word() === '||') {
      this.take();
      const l = left;
      const r = this.andExpr();
      left = (p) => l(p) || r(p);
    }
    return left;
  }

  private andExpr(): PacketPredicate {
    let left = this.unary();
    while (this.word() === 'and' || this.word() === '&&') {
      this.take();
      const l = left;
      const r = this.unary();
      left = (p) => l(p) && r(p);
    }
    return left;
  }

  private unary(): PacketPredicate {
    const w = this.word();
    if (w === 'not' || w === '!') {
      this.take();
      const inner = this.unary();
      return (p) => !inner(p);
    }
    if (w === '(') {
      const open = this.take()!;
      const inner = this.orExpr();
      if (this.word() !== ')') this.fail(`expected ")" to close the "(" from position ${open.pos}`, this.peek());
      this.take();
      return inner;
    }
    return this.primitive();
  }

  private primitive(): PacketPredicate {
    const t = this.peek();
    if (!t) return this.fail('expected a primitive such as udp, host A, port N', t);
    const w = t.text.toLowerCase();
    if (w === 'ip') {
      this.take();
      if (this.word() === 'proto') return this.primitive();
      return this.startsQualified(false) ? this.qualified(undefined) : () => true;
    }
    if (w in PROTOCOLS) {
      this.take();
      const proto = PROTOCOLS[w];
      if (proto !== PROTO_ICMP && this.startsQualified(true)) return this.qualified(proto);
      return (p) => p.proto === proto;
    }
    if (w === 'proto') {
      this.take();
      const n = this.number('a protocol number after "proto"', 255);
      return (p) => p.proto === n;
    }
    if (w === 'src' || w === 'dst' || KINDS.has(w)) return this.qualified(undefined);
    if (w === 'greater' || w === 'less') {
      this.take();
      const n = this.number(`a length after "${w}"`, 65535);
      return w === 'greater' ? (p) => packetLength(p) >= n : (p) => packetLength(p) <= n;
    }
    if (w === 'len') return this.length();
    if (/^\d/.test(w)) {
      if (!this.last) return this.fail(`"${t.text}" has no qualifier`, t, `write host, net or port before it`);
      return this.value(this.last);
    }
    return this.fail(`unknown word "${t.text}"`, t, `expected one of ${KEYWORDS.join(', ')} or "("`);
  }

  /** True when the next tokens continue a protocol qualifier: ports for udp/tcp, addresses for ip. */
  private startsQualified(ports: boolean): boolean {
    let k = 0;
    if (this.word(k) === 'src' || this.word(k) === 'dst') {
      k++;
      if ((this.word(k) === 'or' || this.word(k) === 'and') && this.word(k + 1) === 'dst') k += 2;
    }
    const w = this.word(k);
    if (ports) return w === 'port' || w === 'portrange';
    return w === 'host' || w === 'net' || (k > 0 && w !== undefined && /^\d/.test(w));
  }

  /** `[dir] kind value` or `dir address`, with an optional protocol from a prefix. */
  private qualified(proto: number | undefined): PacketPredicate {
    let dir: Dir = 'src or dst';
    const w = this.word();
    if (w === 'src' || w === 'dst') {
      this.take();
      dir = w;
      const joiner = this.word();
      if (w === 'src' && (joiner === 'or' || joiner === 'and') && this.word(1) === 'dst') {
        this.take();
        this.take();
        dir = joiner === 'or' ? 'src or dst' : 'src and dst';
      }
    }
    const k = this.word();
    let kind: Kind;
    if (k !== undefined && KINDS.has(k)) {
      kind = k as Kind;
      this.take();
    } else if (dir !== 'src or dst' || w === 'src') {
      if (k === undefined || !/^\d/.test(k)) return this.fail(`expected host, net, port, portrange or an address after "${w}"`, this.peek());
      kind = 'host';
    } else {
      return this.fail('expected host, net, port or portrange', this.peek());
    }
    if (proto === undefined && (kind === 'port' || kind === 'portrange')) proto = -1;
    this.last = { proto, dir, kind };
    return this.value(this.last);
  }

  /** Reads the value of a host/net/port/portrange primitive and builds its predicate. */
  private value(q: Qualifiers): PacketPredicate {
    const { dir, kind, proto } = q;
    let src: PacketPredicate;
    let dst: PacketPredicate;
    if (kind === 'host') {
      const a = this.address(kind);
      src = (p) => p.src === a;
      dst = (p) => p.dst === a;
    } else if (kind === 'net') {
      const c = this.cidr();
      src = (p) => c.contains(p.src);
      dst = (p) => c.contains(p.dst);
    } else if (kind === 'port') {
      const n = this.number('a port number after "port"', 65535);
      src = (p) => p.srcPort === n;
      dst = (p) => p.dstPort === n;
    } else {
      const [lo, hi] = this.range();
      src = (p) => p.srcPort >= lo && p.srcPort <= hi;
      dst = (p) => p.dstPort >= lo && p.dstPort <= hi;
    }
    const where: PacketPredicate =
      dir === 'src' ? src : dir === 'dst' ? dst : dir === 'src or dst' ? (p) => src(p) || dst(p) : (p) => src(p) && dst(p);
    if (proto === -1) return (p) => hasPorts(p) && where(p);
    if (proto !== undefined) return (p) => p.proto === proto && where(p);
    return where;
  }

  private number(what: string, max: number): number {
    const t = this.take();
    if (!t || !/^\d+$/.test(t.text)) return this.fail(`expected ${what}`, t);
    const n = Number(t.text);
    if (n > max) return this.fail(`${t.text} is out of range (0-${max})`, t);
    return n;
  }

  private address(after: string): number {
    const t = this.take();
    try {
      if (t) return parseIpv4(t.text);
    } catch {
      // reported below
    }
    return this.fail(`expected an IPv4 address after "${after}"`, t);
  }

  private cidr(): Cidr {
    const t = this.take();
    if (!t || !/^[\d.]+(\/\d+)?$/.test(t.text)) return this.fail('expected a prefix such as 10.0.0.0/8 after "net"', t);
    try {
      return t.text.includes('/') ? Cidr.parse(t.text) : new Cidr(parseIpv4(t.text), 32);
    } catch (err) {
      const [fact, mend] = (err as Error).message.split('; ');
      return this.fail(fact, t, mend);
    }
  }

  private range(): [number, number] {
    const t = this.take();
    const m = t ? /^(\d+)-(\d+)$/.exec(t.text) : null;
    if (!t || !m) return this.fail('expected a port range such as 8000-8100 after "portrange"', t);
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (hi > 65535 || lo > hi) return this.fail(`port range ${t.text} is not within 0-65535 with the low port first`, t);
    return [lo, hi];
  }

  private length(): PacketPredicate {
    this.take();
    const op = this.take();
    const ops = ['>', '<', '>=', '<=', '==', '=', '!='];
    if (!op || !ops.includes(op.text)) return this.fail('expected a comparison (>, <, >=, <=, ==, !=) after "len"', op);
    const n = this.number(`a length after "${op.text}"`, 65535);
    switch (op.text) {
      case '>': return (p) => packetLength(p) > n;
      case '<': return (p) => packetLength(p) < n;
      case '>=': return (p) => packetLength(p) >= n;
      case '<=': return (p) => packetLength(p) <= n;
      case '!=': return (p) => packetLength(p) !== n;
      default: return (p) => packetLength(p) === n;
    }
  }
}

/** Splits into words and operator tokens; a lone `&` or `|` is an error. */
function tokenize(expr: string, fail: (fact: string, pos: number, mend: string) => never): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(\(|\)|&&|\|\||!=|>=|<=|==|[<>=!]|[^\s()<>=!&|]+)|(\S))/y;
  let pos = 0;
  while (pos < expr.length) {
    re.lastIndex = pos;
    const m = re.exec(expr);
    if (!m) break; // only whitespace is left
    const text = m[1] ?? m[2];
    const at = m.index + m[0].length - text.length;
    if (m[2] !== undefined) fail(`unexpected "${text}"`, at, 'write "and" (&&) or "or" (||)');
    out.push({ text, pos: at });
    pos = re.lastIndex;
  }
  return out;
}
