// "IP:PORT" text as the bridge takes it from users: parsed once, checked for what each side
// may be (the real side is loopback only; a virtual address is an ordinary unicast address).
import { formatIpv4, isIpv4, isLoopback, isMulticast, parseIpv4, type Ipv4 } from '../wire/addr.js';
import { invalid } from '../engine/errors.js';
import { quoteInput } from '../wire/user-input.js';

export interface Endpoint {
  /** The address as written (a dotted quad, or for a remote a name the host resolves). */
  host: string;
  port: number;
}

/** Splits "HOST:PORT"; the port must be a whole number in [minPort, 65535]. */
export function parseEndpoint(text: string, what: string, minPort = 1): Endpoint {
  if (typeof text !== 'string') throw invalid(`${what} is missing; write ADDRESS:PORT, e.g. 127.0.0.1:5300`);
  const colon = text.lastIndexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    throw invalid(`${what} ${quoteInput(text)} is not ADDRESS:PORT; write it like 127.0.0.1:5300`);
  }
  const host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= minPort && port <= 65535)) {
    throw invalid(`${what} ${quoteInput(text)} has port ${/^\d{1,5}$/.test(portText) ? portText : quoteInput(portText)}, not ${minPort}-65535; give a port in that range`);
  }
  return { host, port };
}

/** A dotted quad, or EINVAL naming `what`. */
function parseAddress(text: string, what: string, whole: string): Ipv4 {
  if (!isIpv4(text)) throw invalid(`${what} "${whole}" does not start with an IPv4 address; write it like 127.0.0.1:5300`);
  return parseIpv4(text);
}

/** The real server's address: 127.0.0.0/8 only (the bridge talks to programs on this machine). */
export function parseRealServer(text: string): { ip: Ipv4; port: number; text: string } {
  const e = parseEndpoint(text, 'real server address');
  const ip = parseAddress(e.host, 'real server address', text);
  if (!isLoopback(ip)) {
    throw invalid(`real server address ${text} is not on loopback; run the server on 127.0.0.0/8 (e.g. 127.0.0.1:${e.port})`);
  }
  return { ip, port: e.port, text: `${formatIpv4(ip)}:${e.port}` };
}

/** Where a map listens: 127.0.0.0/8, port 0 = a free one; anything else only with allowRemote. */
export function parseListen(text: string, allowRemote: boolean): { ip: Ipv4; port: number; text: string } {
  const e = parseEndpoint(text, 'listen address', 0);
  const ip = parseAddress(e.host, 'listen address', text);
  if (!isLoopback(ip) && !allowRemote) {
    throw invalid(`listen address ${text} is not on loopback, so other machines could send into the virtual network; use 127.0.0.1:${e.port} or allow remote senders (--allow-remote)`);
  }
  return { ip, port: e.port, text: `${formatIpv4(ip)}:${e.port}` };
}

/** Where a real server appears inside the virtual network: a unicast address, not loopback. */
export function parseVirtual(text: string): { ip: Ipv4; port: number; text: string } {
  const e = parseEndpoint(text, 'virtual address');
  const ip = parseAddress(e.host, 'virtual address', text);
  if (ip === 0 || isLoopback(ip) || isMulticast(ip) || ip === 0xffffffff) {
    throw invalid(`virtual address ${text} is not a unicast address a host can own; give one in a router's subnet, e.g. 198.51.100.53:${e.port}`);
  }
  return { ip, port: e.port, text: `${formatIpv4(ip)}:${e.port}` };
}
