// `vnet nat probe`: RFC 5780 NAT behaviour discovery from a virtual host against a vnet STUN server.
import { Flags } from '@oclif/core';
import { EXIT, VnetCommand } from '../../src/cli/base.js';
import type { NatProbeResult } from '../../src/session/api.js';

const BEHAVIOUR = ['ei', 'ad', 'apd'] as const;
const NAMES: Record<string, string> = { ei: 'endpoint-independent', ad: 'address-dependent', apd: 'address-and-port-dependent' };
const LEGACY: Record<string, string> = { 'full-cone': 'full cone', 'restricted-cone': 'restricted cone', 'port-restricted': 'port-restricted cone', symmetric: 'symmetric' };

export default class NatProbe extends VnetCommand {
  static override summary = 'Classify the NAT in front of a host with RFC 5780\'s tests against a STUN server (from `vnet stun add --alt-ip`).';
  static override description = 'Sends STUN Binding requests from HOST through the engine, as a real RFC 5780 client would, and reports: mapping behaviour ' +
    '(ei, ad, apd: does the external address:port change with the destination address, or port?), filtering behaviour (ei, ad, apd: which outside ' +
    'addresses may answer?), hairpinning (does a packet to the host\'s own external address come back in, and with which source?), port preservation ' +
    '(external port = local port), and the binding lifetime (how long an idle mapping lives). Each test waits --timeout for an answer (requests ' +
    'resent at 100 ms and 300 ms); on a virtual clock the probe moves the clock itself by those waits, on a real clock it waits them. The binding ' +
    'lifetime is found by bisection to 1 ms on a virtual-clock copy of the network (same routers, NATs, filters and STUN servers, no live mappings), ' +
    'so it takes milliseconds of real time on either clock and leaves the session\'s clock alone. Hairpinning cannot be seen from one host when ' +
    'neither mapping nor filtering is endpoint-independent (unless filtering is address-dependent and ports are preserved): it is then reported as undetermined. With --expect or the expectation flags it exits 1 ' +
    'and prints each difference when the probe disagrees (for CI).';
  static override examples = [
    '<%= config.bin %> nat probe --host alice --stun stun1',
    '<%= config.bin %> nat probe --host alice --stun stun1 --expect port-restricted',
    '<%= config.bin %> nat probe --host alice --stun stun1 --mapping ei --filtering apd --lifetime 5m',
    '<%= config.bin %> nat probe --host alice --stun stun1 --skip-lifetime --json | jq .filtering',
  ];
  static override flags = {
    host: Flags.string({ description: 'the virtual host to probe from', required: true }),
    stun: Flags.string({ description: 'a STUN server with two addresses (vnet stun add NAME --alt-ip IP)', required: true }),
    expect: Flags.string({
      description: 'exit 1 unless the NAT behaves as this preset (as seen from outside)',
      options: ['full-cone', 'restricted-cone', 'port-restricted', 'symmetric', '1to1', 'linux', 'linux-random', 'none'],
    }),
    mapping: Flags.string({ description: 'exit 1 unless mapping is this', options: [...BEHAVIOUR] }),
    filtering: Flags.string({ description: 'exit 1 unless filtering is this', options: [...BEHAVIOUR] }),
    hairpin: Flags.boolean({ description: 'exit 1 unless hairpinning is on (--no-hairpin: off)', allowNo: true }),
    'port-preservation': Flags.boolean({ description: 'exit 1 unless ports are preserved (--no-port-preservation: not)', allowNo: true }),
    lifetime: Flags.string({ description: 'exit 1 unless the binding lifetime is this (e.g. 5m, or never)' }),
    'skip-lifetime': Flags.boolean({ description: 'leave the binding-lifetime test out' }),
    timeout: Flags.string({ description: 'how long each test waits for an answer', default: '700ms' }),
    'max-lifetime': Flags.string({ description: 'the longest binding lifetime looked for', default: '2h' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(NatProbe);
    const r = (await this.call('nat.probe', {
      host: flags.host, stun: flags.stun, expect: flags.expect, mapping: flags.mapping, filtering: flags.filtering, hairpin: flags.hairpin,
      portPreservation: flags['port-preservation'], lifetime: flags.lifetime, skipLifetime: flags['skip-lifetime'] || undefined,
      timeout: flags.timeout, maxLifetime: flags['max-lifetime'],
    })) as NatProbeResult;
    this.print(r, () => {
      const yesNo = (v: boolean | null, yes: string, no: string): string => (v === null ? 'undetermined (needs EI mapping, EI filtering, or AD filtering with ports preserved)' : v ? yes : no);
      return [
        `${r.host} via STUN server ${r.stun}`,
        `  local              ${r.local}`,
        `  mapped             ${r.mapped}${r.nat ? '' : ' (same as local: no NAT)'}`,
        `  mapping            ${r.mapping} (${NAMES[r.mapping]})`,
        `  filtering          ${r.filtering} (${NAMES[r.filtering]})`,
        ...(r.legacy ? [`  RFC 3489 name      ${LEGACY[r.legacy] ?? r.legacy}`] : []),
        `  hairpinning        ${yesNo(r.hairpin, `yes (${r.hairpinSource} source)`, 'no')}`,
        `  port preservation  ${r.portPreservation === null ? 'n/a (no NAT)' : r.portPreservation ? 'yes' : 'no'}`,
        `  binding lifetime   ${r.lifetime}`,
      ];
    });
    if (r.mismatches.length > 0) {
      for (const m of r.mismatches) process.stderr.write(`vnet: differs: ${m}\n`);
      this.exit(EXIT.failed);
    }
  }
}
