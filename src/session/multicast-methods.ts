// The session's multicast methods: routes per router (mroute.*) and group memberships (mcast.*).
// `mroute.add` and `mcast.join` take the topology file's entries as they are.
import { invalid, notFound } from '../engine/errors.js';
import type { Network } from '../engine/network.js';
import type { MrouteView } from '../multicast/router-multicast.js';
import type { McastView } from '../multicast/network-api.js';
import { checked } from './params.js';
import type { Method } from './session.js';
import type { MembershipDoc, MrouteDoc } from './topology-schema.js';

export type { MrouteView, McastView };

export function multicastMethods(net: Network): Record<string, Method> {
  return {
    'mroute.add': checked((p: MrouteDoc) => net.addMroute(p)),
    'mroute.rm': checked((p: { router: string; source?: string; group?: string; all?: boolean }) => {
      if (p.all) {
        if (p.source !== undefined || p.group !== undefined) throw invalid('give --all or --source and --group, not both');
        return { router: p.router, removed: net.removeAllMroutes(p.router) };
      }
      if (p.source === undefined || p.group === undefined) throw invalid('name the route with --source S --group G, or remove every route with --all');
      if (!net.removeMroute(p.router, p.source, p.group)) {
        throw notFound(`router ${p.router} has no route for (${p.source}, ${p.group}); \`vnet mroute ls ${p.router}\` lists them`);
      }
      return { router: p.router, removed: 1 };
    }),
    'mroute.ls': checked((p: { router?: string }): MrouteView[] => net.mroutes(p.router)),
    'mcast.join': checked((p: MembershipDoc) => ({ ...p, joined: net.joinGroup(p.host, p.group) })),
    'mcast.leave': checked((p: MembershipDoc) => ({ ...p, left: net.leaveGroup(p.host, p.group) })),
    'mcast.ls': checked((p: { node?: string }): McastView => net.memberships(p.node)),
  };
}
