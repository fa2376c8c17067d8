// Text layouts shared by several commands.
import type { InterfaceView } from '../session/views.js';

export function formatInterfaces(list: InterfaceView[]): string[] {
  return list.map((i) => {
    const s = i.stats;
    const drops = Object.entries(s.drops).map(([k, v]) => `${k}=${v}`).join(' ');
    const vlan = i.vlan.length ? ` vlan ${i.vlan.join('.')}` : '';
    return `  ${i.name.padEnd(16)} ${i.addresses.join(',').padEnd(16)} ${i.mac} mtu ${i.mtu}${vlan}  rx ${s.rxPackets}/${s.rxBytes}B tx ${s.txPackets}/${s.txBytes}B${drops ? ` drops ${drops}` : ''}`;
  });
}
