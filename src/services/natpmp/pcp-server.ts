// The PCP half of the gateway's port-mapping server (RFC 6887): ANNOUNCE, MAP and PEER requests
// checked as §8.3 and §11-13 say, answered with a result code, or not at all when they do not parse.
import type { Ipv4 } from '../../wire/addr.js';
import {
  ipv4Mapped, isUnspecified, mappedIpv4, marshalPcp, parsePcp, PCP_OP_ANNOUNCE, PCP_OP_MAP, PCP_OP_PEER, PCP_VERSION, PcpResult,
  pcpShortLivedError, type PcpMapData, type PcpOption, type PcpPeerData, type PcpRequest,
} from '../../wire/pcp.js';
import type { ExplicitRequest } from '../../engine/nat/index.js';
import { grant, NOT_AUTHORIZED, type ServerState } from './state.js';

const S = 1e9;
/** What miniupnpd writes as the lifetime of a short-lived error (§7.4); long-lived ones carry 0. */
const SHORT_ERROR_LIFETIME = 30;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
/** FILTER options one MAP may carry (more: EXCESSIVE_REMOTE_PEERS). */
const MAX_FILTERS = 16;

/** The answer to a PCP request's bytes from `src`, or null when they do not parse (nothing to reflect). */
export function handlePcp(s: ServerState, b: Uint8Array, src: Ipv4): Uint8Array | null {
  let req: PcpRequest;
  try {
    const m = parsePcp(b);
    if (m.type !== 'pcp-request') return null;
    req = m;
  } catch {
    return null;
  }
  const reply = (result: number, lifetime = 0, data?: PcpMapData | PcpPeerData, options: PcpOption[] = []): Uint8Array => marshalPcp({
    type: 'pcp-response', version: PCP_VERSION, opcode: req.opcode, result,
    lifetime: result === PcpResult.Success ? lifetime : pcpShortLivedError(result) ? SHORT_ERROR_LIFETIME : 0,
    epoch: s.epoch(), ...(req.opcode === PCP_OP_MAP && data ? { map: data } : {}), ...(req.opcode === PCP_OP_PEER && data ? { peer: data as PcpPeerData } : {}),
    ...(req.data !== undefined ? { data: req.data } : {}), options,
  });
  const data = req.map ?? req.peer;
  const fail = (result: number): Uint8Array => reply(result, 0, data);
  if (req.opcode !== PCP_OP_ANNOUNCE && req.opcode !== PCP_OP_MAP && req.opcode !== PCP_OP_PEER) return fail(PcpResult.UnsuppOpcode);
  // §8.2: the address the client wrote must be the one the packet came from (else a NAT sits between).
  if (mappedIpv4(req.clientAddress) !== src) return fail(PcpResult.AddressMismatch);
  let internalIp = src;
  let preferFailure = false;
  const filters: (PcpOption & { type: 'filter' })[] = [];
  for (const o of req.options) {
    if (o.type === 'unknown') {
      if (o.code < 128) return fail(PcpResult.UnsuppOption);
      continue;
    }
    if (req.opcode === PCP_OP_ANNOUNCE) return fail(PcpResult.MalformedOption);
    if (o.type === 'third-party') {
      const ip = mappedIpv4(o.address);
      if (!s.options.allowThirdParty) return fail(PcpResult.NotAuthorized);
      if (ip === undefined || !s.onLan(ip)) return fail(PcpResult.NotAuthorized);
      internalIp = ip;
    } else if (o.type === 'prefer-failure') {
      if (req.opcode !== PCP_OP_MAP) return fail(PcpResult.MalformedOption);
      preferFailure = true;
    } else {
      if (req.opcode !== PCP_OP_MAP) return fail(PcpResult.MalformedOption);
      filters.push(o);
    }
  }
  // FILTER (§13.3): prefix length 0 removes the filters; otherwise whole addresses only (128, IPv4-mapped),
  // all with a port or all without (any port), at most MAX_FILTERS.
  let filter: ExplicitRequest['filter'];
  if (filters.length > 0) {
    if (filters.some((f) => f.prefixLength === 0)) filter = { behavior: 'apd', remotes: [] };
    else {
      if (filters.some((f) => f.prefixLength !== 128 || mappedIpv4(f.remoteAddress) === undefined)) return fail(PcpResult.UnsuppOption);
      const anyPort = filters.every((f) => f.remotePort === 0);
      if (!anyPort && filters.some((f) => f.remotePort === 0)) return fail(PcpResult.UnsuppOption);
      if (filters.length > MAX_FILTERS) return fail(PcpResult.ExcessiveRemotePeers);
      filter = { behavior: anyPort ? 'ad' : 'apd', remotes: filters.map((f) => ({ ip: mappedIpv4(f.remoteAddress)!, port: f.remotePort })) };
    }
  }
  if (req.opcode === PCP_OP_ANNOUNCE) return reply(PcpResult.Success, 0);
  const d = data!;
  const t = s.table();
  if (typeof t === 'number') return fail(t === 2 ? PcpResult.NotAuthorized : PcpResult.NetworkFailure);
  if (d.protocol !== PROTO_UDP && d.protocol !== PROTO_TCP) return fail(PcpResult.UnsuppProtocol);
  const echoed = req.options.filter((o) => o.type !== 'unknown');
  const existing = t.findExplicit(d.protocol, internalIp, d.internalPort);
  if (existing !== undefined && existing.requestedBy === 'pcp') {
    const nonce = s.nonces.get(existing);
    if (nonce !== undefined && !sameBytes(nonce, d.nonce)) return fail(PcpResult.NotAuthorized);
  }

  if (req.opcode === PCP_OP_PEER) {
    const p = req.peer!;
    const remote = mappedIpv4(p.remoteAddress);
    if (remote === undefined || remote === 0 || p.remotePort === 0 || d.internalPort === 0) return fail(PcpResult.MalformedRequest);
    // The flow's mapping as its traffic would make it; PEER does not stretch a traffic mapping's idle timeout.
    const m = existing ?? t.findByInternal(d.protocol, internalIp, d.internalPort, remote, p.remotePort) ?? t.outbound(d.protocol, internalIp, d.internalPort, remote, p.remotePort);
    if (typeof m === 'string') return fail(PcpResult.NoResources);
    const left = Number.isFinite(m.expiresAt) ? Math.min(0xffffffff, Math.max(0, Math.floor((m.expiresAt - s.router.scheduler.now()) / S))) : 0xffffffff;
    return reply(PcpResult.Success, left,
      { ...p, externalPort: m.externalPort, externalAddress: ipv4Mapped(m.externalIp) }, echoed);
  }

  // MAP (§11.3).
  if (req.lifetime === 0) {
    if (d.internalPort === 0) {
      for (const r of t.records()) {
        if (r.proto === d.protocol && r.internalIp === internalIp && r.requestedBy !== undefined && sameBytes(s.nonces.get(r) ?? d.nonce, d.nonce)) {
          s.nonces.delete(r);
          t.delete(r.id);
        }
      }
      return reply(PcpResult.Success, 0, d, echoed);
    }
    if (existing !== undefined && existing.requestedBy === undefined) return fail(PcpResult.NotAuthorized);
    if (existing !== undefined) {
      s.nonces.delete(existing);
      t.delete(existing.id);
    }
    return reply(PcpResult.Success, 0, d, echoed);
  }
  if (d.internalPort === 0) return fail(PcpResult.MalformedRequest);
  const wantIp = mappedIpv4(d.externalAddress);
  const otherAddress = !isUnspecified(d.externalAddress) && wantIp !== s.externalIp();
  if (preferFailure && otherAddress) return fail(PcpResult.CannotProvideExternal);
  if (preferFailure && d.externalPort !== 0 && (existing === undefined || existing.externalPort !== d.externalPort) && !t.externalPortFree(d.protocol, s.externalIp(), d.externalPort)) {
    return fail(PcpResult.CannotProvideExternal);
  }
  const granted = grant(s, t, d.protocol, internalIp, d.internalPort, d.externalPort, req.lifetime, 'pcp', filter);
  if (typeof granted === 'number') return fail(granted === NOT_AUTHORIZED ? PcpResult.NotAuthorized : PcpResult.NoResources);
  const m = granted.mapping;
  if (preferFailure && d.externalPort !== 0 && m.externalPort !== d.externalPort) {
    if (existing === undefined) t.delete(m.id);
    return fail(PcpResult.CannotProvideExternal);
  }
  s.nonces.set(m, d.nonce);
  return reply(PcpResult.Success, granted.lifetime, { ...d, externalPort: m.externalPort, externalAddress: ipv4Mapped(m.externalIp) }, echoed);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
