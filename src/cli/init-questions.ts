// The questions `vnet init` asks at a terminal (@inquirer/prompts), each with a default and a check.
import { Cidr, isIpv4 } from '../wire/addr.js';
import { NAT_PRESETS, type NatPresetName } from '../engine/nat/config.js';
import { defaultAnswers, defaultHostName, defaultSiteCidr, type InitAnswers, type SiteAnswer } from './init-topology.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const NAT_HELP: Record<string, string> = {
  'full-cone': 'EI mapping, EI filtering: anyone may send to a mapping',
  'restricted-cone': 'EI mapping, AD filtering: peers the host sent to (any port)',
  'port-restricted': 'EI mapping, APD filtering: the usual home router',
  symmetric: 'APD mapping and filtering: a new port per destination; hole punching fails',
  none: 'no NAT: a routed subnet',
};

function checkName(taken: Set<string>) {
  return (v: string): true | string => (!NAME.test(v) ? 'letters, digits, - _ . (starting with a letter or digit)' : taken.has(v) ? `${v} is already used` : true);
}

export async function askAnswers(): Promise<InitAnswers> {
  const { input, number, select, confirm } = await import('@inquirer/prompts');
  const io = { output: process.stderr };
  const d = defaultAnswers();
  const taken = new Set(['internet']);
  const clock = await select({
    message: 'Clock',
    choices: [
      { value: 'virtual' as const, name: 'virtual: time moves only with `vnet clock advance` (repeatable tests)' },
      { value: 'real' as const, name: 'real: time flows (real programs, interactive use)' },
    ],
  }, io);
  const count = (await number({ message: 'How many sites behind NAT (homes, offices)?', default: 2, min: 0, max: 50, required: true }, io)) ?? 2;
  const presets = [...Object.keys(NAT_PRESETS), 'none'];
  const sites: SiteAnswer[] = [];
  const used: Cidr[] = [];
  let hostIndex = 0;
  for (let i = 0; i < count; i++) {
    const name = await input({ message: `Site ${i + 1}: name`, default: d.sites[i]?.name ?? `site-${i + 1}`, validate: checkName(taken) }, io);
    taken.add(name);
    const nat = await select({
      message: `${name}: NAT`,
      choices: presets.map((p) => ({ value: p as NatPresetName | 'none', name: `${p.padEnd(16)} ${NAT_HELP[p] ?? ''}` })),
      default: d.sites[i]?.nat ?? 'port-restricted',
    }, io);
    const cidr = await input({
      message: `${name}: subnet`,
      default: defaultSiteCidr(i),
      validate: (v) => {
        try {
          const c = Cidr.parse(v);
          const clash = used.find((u) => u.overlaps(c));
          return clash ? `overlaps ${clash.toString()}` : true;
        } catch (err) {
          return (err as Error).message;
        }
      },
    }, io);
    used.push(Cidr.parse(cidr));
    const n = (await number({ message: `${name}: how many hosts?`, default: 1, min: 0, max: 100, required: true }, io)) ?? 1;
    const hosts: string[] = [];
    for (let k = 0; k < n; k++) {
      const h = await input({ message: `${name}: host ${k + 1} name`, default: defaultHostName(hostIndex++), validate: checkName(taken) }, io);
      taken.add(h);
      hosts.push(h);
    }
    sites.push({ name, nat, cidr, hosts });
  }
  let server: InitAnswers['server'] = null;
  if (await confirm({ message: 'A public server on the internet?', default: true }, io)) {
    const name = await input({ message: 'Server name', default: 'server', validate: checkName(taken) }, io);
    const ip = await input({ message: `${name}: address`, default: '198.51.100.7', validate: (v) => (isIpv4(v) ? true : 'want a.b.c.d') }, io);
    const dnsName = await input({ message: `${name}: DNS name`, default: `${name}.example` }, io);
    server = { name, ip, dnsName };
  }
  let impairment: InitAnswers['impairment'] = null;
  if (sites.length > 0 && (await confirm({ message: 'Impair every site\'s uplink (delay and loss)?', default: false }, io))) {
    const delay = await input({ message: 'Delay', default: '30ms' }, io);
    const loss = await input({ message: 'Loss', default: '1%' }, io);
    impairment = { delay, loss };
  }
  return { clock, seed: 1, sites, server, impairment };
}
