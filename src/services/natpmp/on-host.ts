// The client run from a virtual host, as `vnet natpmp request` and `vnet natpmp external` do: a
// socket on the host's address, the host's router as the gateway, one exchange, the socket closed.
import { formatIpv4 } from '../../wire/addr.js';
import type { Host } from '../../engine/host.js';
import type { Network } from '../../engine/network.js';
import { PortMappingClient, type ClientOptions } from './client.js';

export interface HostMappingRequest {
  protocol: 'udp' | 'tcp';
  internalPort: number;
  externalPort?: number;
  /** Seconds (default 7200); 0 deletes. */
  lifetime?: number;
  /** PCP MAP instead of NAT-PMP. */
  pcp?: boolean;
  /** PCP: the nonce of an earlier MAP (hex, 24 digits) to renew or delete it. */
  nonce?: string;
}

export interface HostMappingResult {
  host: string;
  gateway: string;
  via: 'natpmp' | 'pcp';
  protocol: 'udp' | 'tcp';
  internal: string;
  /** "IP:PORT"; the port 0 after a delete. */
  external: string;
  /** Seconds granted (0 after a delete). */
  lifetime: number;
  epoch: number;
  /** PCP: the mapping's nonce (hex), to renew or delete it later. */
  nonce?: string;
}

/** The gateway of a host: its router's address on the host's LAN. */
export function gatewayOf(_net: Network, host: Host): string {
  return formatIpv4(host.attachment.iface.addresses[0]);
}

function clientOn(net: Network, host: Host, options: ClientOptions): { client: PortMappingClient; done(): void } {
  const sock = host.createSocket('udp4');
  sock.bindNow(0, host.ip);
  const rng = net.rng.fork(`natpmp-client:${host.name}`);
  const client = new PortMappingClient(sock, gatewayOf(net, host), { random: () => rng.float(), ...options });
  return { client, done: () => {
    client.close();
    if (!sock.closed) sock.close();
  } };
}

/** NAT-PMP's external address, as the host's gateway says it. */
export async function hostExternalAddress(net: Network, host: Host, options: ClientOptions = {}): Promise<{ host: string; gateway: string; external: string; epoch: number }> {
  const { client, done } = clientOn(net, host, options);
  try {
    const r = await client.externalAddress();
    return { host: host.name, gateway: client.gateway.address, external: r.address, epoch: r.epoch };
  } finally {
    done();
  }
}

/** A mapping of one of the host's ports, asked of its gateway with NAT-PMP (the external address asked too) or PCP MAP. */
export async function hostRequestMapping(net: Network, host: Host, req: HostMappingRequest, options: ClientOptions = {}): Promise<HostMappingResult> {
  const { client, done } = clientOn(net, host, { pcpMrc: 3, ...options });
  const base = { host: host.name, gateway: client.gateway.address, protocol: req.protocol, internal: `${host.ip}:${req.internalPort}` };
  try {
    if (req.pcp) {
      const nonce = req.nonce !== undefined ? Uint8Array.from(Buffer.from(req.nonce, 'hex')) : undefined;
      const r = await client.pcpMap({ protocol: req.protocol, internalPort: req.internalPort, externalPort: req.externalPort, lifetime: req.lifetime, nonce });
      return { ...base, via: 'pcp', external: `${r.externalAddress}:${r.externalPort}`, lifetime: r.lifetime, epoch: r.epoch, nonce: Buffer.from(r.nonce).toString('hex') };
    }
    const ext = await client.externalAddress();
    const r = await client.map({ protocol: req.protocol, internalPort: req.internalPort, externalPort: req.externalPort, lifetime: req.lifetime });
    return { ...base, via: 'natpmp', external: `${ext.address}:${r.externalPort}`, lifetime: r.lifetime, epoch: r.epoch };
  } finally {
    done();
  }
}
