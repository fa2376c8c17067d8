// The NAT flags shared by `router add` and `nat set`, and their translation to NatOptions.
import { Flags } from '@oclif/core';
import { checkNatConflicts, type NatOptions } from '../engine/nat/config.js';

export const natFlags = {
  nat: Flags.string({ description: 'NAT preset; --mapping/--filtering given with it must agree with it, and none takes no other NAT flag', options: ['none', 'full-cone', 'restricted-cone', 'port-restricted', 'symmetric', '1to1', 'linux', 'linux-random'] }),
  mapping: Flags.string({ description: 'RFC 4787 mapping: endpoint-independent, address-dependent, address-and-port-dependent', options: ['ei', 'ad', 'apd'] }),
  filtering: Flags.string({ description: 'RFC 4787 filtering', options: ['ei', 'ad', 'apd'] }),
  hairpin: Flags.boolean({ description: 'loop packets to the NAT\'s own external mappings back inside (default on)', allowNo: true }),
  'port-preservation': Flags.boolean({ description: 'keep the internal port as the external one when free', allowNo: true }),
  'mapping-lifetime': Flags.string({ description: 'idle time before a mapping expires, e.g. 30s, 2m (default 5m)' }),
  'inbound-refresh': Flags.boolean({ description: 'inbound packets also refresh mappings', allowNo: true }),
  'tcp-established': Flags.string({ description: 'idle time before a TCP mapping with an established connection expires (default 124m, RFC 5382)' }),
  'tcp-transitory': Flags.string({ description: 'idle time before an opening or closed TCP mapping expires (default 4m, RFC 5382)' }),
  'port-range': Flags.string({ description: 'external ports to allocate, LO-HI (default 1024-65535)' }),
  allocation: Flags.string({ description: 'how new external ports are picked', options: ['sequential', 'random'] }),
};

type NatFlagValues = {
  nat?: string; mapping?: string; filtering?: string; hairpin?: boolean; 'port-preservation'?: boolean;
  'mapping-lifetime'?: string; 'inbound-refresh'?: boolean; 'port-range'?: string; allocation?: string;
  'tcp-established'?: string; 'tcp-transitory'?: string;
};

/**
 * NatOptions from the flags, or the default preset when none was given (undefined without one).
 * Flags that contradict --nat (`--nat symmetric --mapping ei`, `--nat none --port-range ...`) are
 * refused here, before anything is sent (exit 2); the engine checks the same for files and the library.
 */
export function natOptionsFrom(f: NatFlagValues, defaultPreset?: string): NatOptions | string | undefined {
  const o: Record<string, unknown> = {};
  if (f.nat !== undefined) o.preset = f.nat;
  if (f.mapping !== undefined) o.mapping = f.mapping;
  if (f.filtering !== undefined) o.filtering = f.filtering;
  if (f.hairpin !== undefined) o.hairpin = f.hairpin;
  if (f['port-preservation'] !== undefined) o.portPreservation = f['port-preservation'];
  if (f['mapping-lifetime'] !== undefined) o.lifetime = f['mapping-lifetime'];
  if (f['inbound-refresh'] !== undefined) o.inboundRefresh = f['inbound-refresh'];
  if (f['tcp-established'] !== undefined) o.tcpEstablished = f['tcp-established'];
  if (f['tcp-transitory'] !== undefined) o.tcpTransitory = f['tcp-transitory'];
  // Numbers where they are numbers: the session's schema names what is not (the same words in-process and over the socket).
  if (f['port-range'] !== undefined) o.portRange = f['port-range'].split('-').map((p) => (/^\d+$/.test(p.trim()) ? Number(p) : p));
  if (f.allocation !== undefined) o.allocation = f.allocation;
  if (Object.keys(o).length === 0) return defaultPreset;
  // Without --nat, options apply to the default NAT (port-restricted) or, for `nat set`, to the current one.
  // Options that contradict --nat are refused here, before anything is sent (normalizeNat says the same words).
  checkNatConflicts(o as NatOptions);
  return o as NatOptions;
}
