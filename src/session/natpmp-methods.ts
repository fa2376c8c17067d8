// The session's gateway-service methods: NAT-PMP/PCP on routers (natpmp.enable, disable, reset, show,
// ls), the client run from a host (natpmp.request, natpmp.external), and router.set for a new uplink address.
import type { Network } from '../engine/network.js';
import { VnetError } from '../engine/errors.js';
import { gatewayServices, type NatPmpDoc } from '../services/registry.js';
import { hostExternalAddress, hostRequestMapping } from '../services/natpmp/on-host.js';
import { checked } from './params.js';
import type { CallContext, Method } from './session.js';
import { routerView } from './views.js';
import { wallTimer } from './wall-timer.js';

/** On the virtual clock nothing retransmits unless time is advanced: wait this long (wall time) for an answer. */
const VIRTUAL_WAIT_MS = 5000;

type EnableParams = { router: string } & Exclude<NatPmpDoc, true>;

export function natPmpMethods(net: Network, clockKind: 'virtual' | 'real'): Record<string, Method> {
  const services = gatewayServices(net);
  /** Runs a client exchange; on the virtual clock a wall-time limit says how to move time on. */
  const run = <T>(work: Promise<T>, ctx: CallContext): Promise<T> => new Promise((resolve, reject) => {
    const timer = clockKind === 'virtual'
      ? wallTimer(VIRTUAL_WAIT_MS, () => reject(new VnetError('ETIMEDOUT', `no answer within ${VIRTUAL_WAIT_MS / 1000} s of wall time, and the virtual clock stands still; retransmissions wait for \`vnet clock advance\` (or use a real-clock session)`)))
      : undefined;
    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
    work.then(resolve, reject).finally(() => timer?.clear());
  });
  return {
    'natpmp.enable': checked((p: EnableParams) => {
      const { router, ...doc } = p;
      return services.enableNatPmp(router, doc);
    }),
    'natpmp.disable': checked((p: { router: string }) => services.disableNatPmp(p.router)),
    'natpmp.reset': checked((p: { router: string }) => services.resetNatPmp(p.router)),
    'natpmp.show': checked((p: { router: string }) => services.server(p.router).info()),
    'natpmp.ls': () => services.list(),
    'natpmp.request': checked((p: { host: string; protocol: 'udp' | 'tcp'; port: number; external?: number; lifetime?: number; pcp?: boolean; nonce?: string }, ctx) =>
      run(hostRequestMapping(net, net.host(p.host), { protocol: p.protocol, internalPort: p.port, externalPort: p.external, lifetime: p.lifetime, pcp: p.pcp, nonce: p.nonce }), ctx)),
    'natpmp.external': checked((p: { host: string }, ctx) => run(hostExternalAddress(net, net.host(p.host)), ctx)),
    'router.set': checked((p: { name: string; ips: string[] }) => {
      net.setUplinkIps(p.name, p.ips);
      return routerView(net.router(p.name));
    }),
  };
}
