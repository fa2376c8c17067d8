// Real programs for the bridge tests: socat, dnsmasq, dig — each required (a missing one fails the test loudly),
// each started on loopback only, each stopped by the sandbox's cleanup; and what the bridge tests in
// test/bridge share with them: a free port, a bounded wait for a condition.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { userInfo } from 'node:os';

export function requireTool(tool: string, pkg: string, versionFlag = '-V'): void {
  const r = spawnSync(tool, [versionFlag], { stdio: 'ignore' });
  if (r.error) throw new Error(`${tool} is needed by this test; apt-get install -y ${pkg}`);
}

/** A UDP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Resolves once cond() holds, polling every `everyMs`; rejects after `ms` of wall time with `what` in the message. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 3000, everyMs = 2): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves once something answers UDP on 127.0.0.1:port (the server is up), bounded. */
export async function waitUdpServer(port: number, probe: Buffer, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const s = createSocket('udp4');
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 200);
      s.once('message', () => {
        clearTimeout(timer);
        resolve(true);
      });
      s.once('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      s.send(probe, port, '127.0.0.1');
    });
    s.close();
    if (answered) return;
  }
  throw new Error(`nothing answered on 127.0.0.1:${port} within ${ms} ms`);
}

/** A socat UDP echo server on 127.0.0.1:port, in a process group of its own (with the children it forks: killGroup). */
export function socatEcho(port: number): ChildProcess {
  requireTool('socat', 'socat');
  return spawn('socat', [`UDP4-RECVFROM:${port},bind=127.0.0.1,fork`, 'PIPE'], { stdio: 'ignore', detached: true });
}

/** dnsmasq on 127.0.0.1:port answering test.example with 10.9.8.7, nothing else; in a process group of its own. */
export function dnsmasq(port: number): ChildProcess {
  requireTool('dnsmasq', 'dnsmasq-base', '--version');
  return spawn('dnsmasq', [
    '--no-daemon', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts',
    '--conf-file=/dev/null', '--address=/test.example/10.9.8.7', `--user=${userInfo().username}`, '--pid-file=',
  ], { stdio: 'ignore', detached: true });
}

/** A DNS query for test.example A (id 0x1234, recursion desired), to see that dnsmasq is up. */
export const DNS_PROBE = Buffer.concat([
  Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]),
  Buffer.from([4]), Buffer.from('test'), Buffer.from([7]), Buffer.from('example'), Buffer.from([0]),
  Buffer.from([0, 1, 0, 1]),
]);
