// One probe run two ways: against vnet (the roles in this process on virtual hosts' sockets) and
// against the lab `vnet export --format netns` builds (each role a process in its namespace, started
// as `node export-probe.js ROLE ...`). The client prints what a NAT shows from outside: the source
// address the server sees, whether the mapping is the same toward two server ports, the TTL the
// server sees of a datagram sent with TTL 64, and whether unsolicited inbound gets through.
import { createSocket as realSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';

/** What the roles need of a socket: node:dgram's shape, which vnet's VSocket has too. */
export interface ProbeSocket {
  bind(port: number, cb?: () => void): unknown;
  send(msg: Buffer | string, port: number, address: string): unknown;
  setTTL(ttl: number): unknown;
  on(event: 'message', fn: (msg: Buffer, rinfo: { address: string; port: number }) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  close(): unknown;
}

/** `wait(ms)`: real sleep in the lab, clock advance in vnet. */
export interface ProbeEnv {
  socket(): ProbeSocket;
  wait(ms: number): Promise<void>;
}

export const SERVER_PORT = 7000;
export const CLIENT_PORT = 5000;
export const STRANGER_PORT = 7100;

/** Server: answers `hello` with what it saw, keeps the least TTL that arrived, pokes back on request (from another port, and through the stranger). */
export function server(env: ProbeEnv, strangerIp: string, ready: () => void): ProbeSocket[] {
  const main = env.socket();
  const second = env.socket();
  const other = env.socket();
  const minTtl = new Map<string, number>();
  const handle = (sock: ProbeSocket) => (msg: Buffer, rinfo: { address: string; port: number }): void => {
    const [verb, a, b] = msg.toString().split(' ');
    if (verb === 'hello') sock.send(`seen ${rinfo.address} ${rinfo.port}`, rinfo.port, rinfo.address);
    else if (verb === 'ttl') minTtl.set(`${rinfo.address}:${rinfo.port}`, Math.min(minTtl.get(`${rinfo.address}:${rinfo.port}`) ?? 255, Number(a)));
    else if (verb === 'report') sock.send(`minttl ${minTtl.get(`${rinfo.address}:${rinfo.port}`) ?? 0}`, rinfo.port, rinfo.address);
    else if (verb === 'poke') {
      other.send('unsolicited-port', Number(b), a);
      other.send(`poke ${a} ${b}`, STRANGER_PORT, strangerIp);
    }
  };
  let bound = 0;
  const done = (): void => void (++bound === 3 && ready());
  for (const [sock, port] of [[main, SERVER_PORT], [second, SERVER_PORT + 1], [other, SERVER_PORT + 2]] as const) {
    sock.on('message', handle(sock));
    sock.on('error', () => {});
    sock.bind(port, done);
  }
  return [main, second, other];
}

/** Stranger: sends to whatever address the server asks it to (a host the client never sent to). */
export function stranger(env: ProbeEnv, ready: () => void): ProbeSocket {
  const sock = env.socket();
  sock.on('message', (msg) => {
    const [verb, ip, port] = msg.toString().split(' ');
    if (verb === 'poke') sock.send('unsolicited-host', Number(port), ip);
  });
  sock.on('error', () => {});
  sock.bind(STRANGER_PORT, ready);
  return sock;
}

/** Client: the observations, one `key value` line each, in a fixed order. */
export async function client(env: ProbeEnv, serverIp: string, clientPort = CLIENT_PORT): Promise<string[]> {
  const sock = env.socket();
  const inbox: string[] = [];
  sock.on('message', (msg) => void inbox.push(msg.toString()));
  sock.on('error', () => {});
  await new Promise<void>((resolve) => sock.bind(clientPort, resolve));
  const ask = async (text: string, port: number, prefix: string): Promise<string[]> => {
    for (let attempt = 0; attempt < 3; attempt++) {
      sock.send(text, port, serverIp);
      for (let t = 0; t < 100; t++) {
        const i = inbox.findIndex((m) => m.startsWith(prefix));
        if (i >= 0) return inbox.splice(i, 1)[0].split(' ').slice(1);
        await env.wait(10);
      }
    }
    throw new Error(`probe: no answer to "${text}" from ${serverIp}:${port}`);
  };
  try {
    const [ip, port] = await ask('hello', SERVER_PORT, 'seen ');
    const [, port2] = await ask('hello', SERVER_PORT + 1, 'seen ');
    // A send goes out a moment later (node:dgram and vnet alike): each waits for its own before the TTL changes.
    for (let ttl = 1; ttl <= 8; ttl++) {
      sock.setTTL(ttl);
      sock.send(`ttl ${ttl}`, SERVER_PORT, serverIp);
      await env.wait(20);
    }
    sock.setTTL(64);
    await env.wait(200);
    const [least] = await ask('report', SERVER_PORT, 'minttl ');
    sock.send(`poke ${ip} ${port}`, SERVER_PORT, serverIp);
    await env.wait(500);
    return [
      `source ${ip}`,
      `mapping ${port === port2 ? 'endpoint-independent' : 'endpoint-dependent'}`,
      `ttl-seen-by-server ${64 - (Number(least) - 1)}`,
      `inbound-from-other-port ${inbox.includes('unsolicited-port') ? 'delivered' : 'dropped'}`,
      `inbound-from-other-host ${inbox.includes('unsolicited-host') ? 'delivered' : 'dropped'}`,
    ];
  } finally {
    sock.close();
  }
}

/** `node export-probe.js server STRANGER_IP | stranger | client SERVER_IP [PORT]`: one role on the real network. */
async function main(argv: string[]): Promise<void> {
  const env: ProbeEnv = { socket: () => realSocket('udp4'), wait: (ms) => new Promise((r) => setTimeout(r, ms)) };
  const [role, arg, port] = argv;
  if (role === 'server') server(env, arg, () => console.log('ready'));
  else if (role === 'stranger') stranger(env, () => console.log('ready'));
  else if (role === 'client') {
    for (const line of await client(env, arg, port !== undefined ? Number(port) : CLIENT_PORT)) console.log(line);
    process.exit(0);
  } else throw new Error(`export-probe: unknown role ${role}; use server STRANGER_IP, stranger or client SERVER_IP [PORT]`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) void main(process.argv.slice(2));
