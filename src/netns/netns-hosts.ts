// Netns hosts: the network asks this for the outside stack of each `netns: true` host. It makes the
// host's namespace (named after session and host), a TUN device in it with the host's addresses, MTU
// and default route, and wires the device to the engine: what the kernel there sends leaves the
// host's eth0; what reaches the host is written to the device. Removing the host removes all of it.
import { closeSync } from 'node:fs';
import { formatIpv4 } from '../wire/addr.js';
import { decodePacket, encodePacket } from '../wire/codec.js';
import { invalid } from '../engine/errors.js';
import type { Host, ExternalStack } from '../engine/host.js';
import { addNamespace, configureNamespace, missingPrivilege, namespaceExists, removeNamespace } from './namespace.js';
import { namespaceName, removeRecord, removeStale, writeRecord } from './records.js';
import { openTun } from './tun.js';
import { TunPort, type TunReader, type TunWriter } from './tun-port.js';

export interface NetnsHostsOptions {
  session: string;
  clock: 'real' | 'virtual';
  /** The runtime directory (asked on first use). */
  runtimeDir: () => string;
  /** Whether a daemon's pid still runs (stale records are those whose pid is gone). */
  alive: (pid: number) => boolean;
  /** Lines worth telling the user (stale namespaces removed, a device that failed). */
  log?: (line: string) => void;
  /** How TUN devices are read (the bench compares them); default 'worker'. */
  reader?: TunReader;
  /** How packets are written (the bench compares them); default 'engine'. */
  writer?: TunWriter;
}

/** What one netns host's stack counted (`host show --json`'s `tun`). */
export interface TunStats {
  read: number;
  written: number;
  writeErrors: number;
  /** Packets read that were not IPv4 (the kernel's IPv6 chatter) or did not parse. */
  ignored: number;
}

let deviceCounter = 0;

export class NetnsHosts {
  private readonly stacks = new Map<string, { port: TunPort; ignored: number }>();

  constructor(private readonly o: NetnsHostsOptions) {}

  /** The network's ExternalStackFactory. */
  readonly attach = (host: Host): ExternalStack => {
    if (this.o.clock === 'virtual') {
      throw invalid(`host ${host.name}: netns hosts need the real clock (the kernel in a namespace keeps real time for TCP, ping and DNS timeouts, which a virtual clock cannot stop); start the session with \`vnet up --clock real\``);
    }
    const why = missingPrivilege();
    if (why !== null) throw invalid(why);
    const dir = this.o.runtimeDir();
    const ns = namespaceName(dir, this.o.session, host.name);
    if (namespaceExists(ns)) {
      for (const line of removeStale(dir, this.o.alive)) this.o.log?.(line);
      if (namespaceExists(ns)) throw invalid(`network namespace ${ns} exists already and no dead vnet session owns it; remove it with \`ip netns del ${ns}\``);
    }
    writeRecord(dir, { pid: process.pid, session: this.o.session, host: host.name, namespace: ns });
    let fd = -1;
    try {
      addNamespace(ns);
      const device = `vt${process.pid.toString(36)}x${(deviceCounter++).toString(36)}`.slice(0, 15);
      fd = openTun(device, this.o.reader === 'threadpool');
      // The root's subnet is 0.0.0.0/0: its hosts get /32 and reach everything through the gateway.
      const given = host.eth0.subnet?.prefix ?? 0;
      const prefix = given === 0 ? 32 : given;
      configureNamespace({
        name: ns, device, mtu: host.eth0.mtu, gateway: formatIpv4(host.attachment.iface.addresses[0]),
        addresses: host.addresses.map((a) => `${formatIpv4(a)}/${prefix}`),
      });
    } catch (err) {
      if (fd >= 0) closeSync(fd);
      removeNamespace(ns);
      removeRecord(dir, ns);
      throw err;
    }
    const state = { port: null as unknown as TunPort, ignored: 0 };
    state.port = new TunPort(fd, host.eth0.mtu, (bytes) => {
      // The kernel's IPv6 chatter (router solicitations) has nowhere to go: vnet is IPv4.
      if (bytes.length < 20 || bytes[0] >> 4 !== 4) {
        state.ignored++;
        return;
      }
      let pkt;
      try {
        pkt = decodePacket(bytes);
      } catch {
        state.ignored++;
        return;
      }
      host.fromStack(pkt);
    }, (message) => this.o.log?.(`host ${host.name}: reading its TUN device failed (${message}); its namespace gets no more packets`), this.o.reader, this.o.writer);
    this.stacks.set(host.name, state);
    return {
      name: ns,
      deliver: (pkt) => state.port.write(encodePacket(pkt)),
      close: () => {
        this.stacks.delete(host.name);
        state.port.close();
        removeNamespace(ns);
        removeRecord(dir, ns);
      },
    };
  };

  /** What a netns host's device counted, or undefined for another host. */
  stats(host: string): TunStats | undefined {
    const s = this.stacks.get(host);
    return s === undefined ? undefined : { ...s.port.counters, writeErrors: s.port.writeErrorCount, ignored: s.ignored };
  }
}
