// Seeded fuzzing of control-protocol frames against a live in-process daemon (the real method table):
// random and mutated JSON lines, wrong types, huge numbers, unknown and prototype method names,
// truncated lines, binary garbage. After every frame a normal call must still be answered, and every
// line the server sent must be a well-formed response. VNET_FUZZ_CASES sets the number of cases
// (default 300) and VNET_FUZZ_SEED the seed (default 1); a failure names both, so it can be replayed.
// VNET_FUZZ_SHOW=1 prints every EINTERNAL answer (a method that does not check its params).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../src/session/daemon.js';
import { ControlClient } from '../../src/session/client.js';
import { Rng } from '../../src/engine/rng.js';
import { RawClient, tempRuntime, within } from '../session/helpers.js';

const CASES = Number(process.env.VNET_FUZZ_CASES) > 0 ? Number(process.env.VNET_FUZZ_CASES) : 300;
const SEED = Number(process.env.VNET_FUZZ_SEED) > 0 ? Number(process.env.VNET_FUZZ_SEED) : 1;

/**
 * Methods the fuzzer calls with random params. Left out: those that wait for traffic or time (listen,
 * events, send, capture.start), open real sockets (proxy.add, map.add) or stop the daemon.
 */
const METHODS = [
  'status', 'router.add', 'router.ls', 'router.show', 'router.rm', 'host.add', 'host.ls', 'host.show', 'host.rm',
  'nat.show', 'nat.set', 'dns.add', 'dns.ls', 'dns.rm', 'filter.add', 'filter.change', 'filter.ls', 'filter.rm',
  'clock.show', 'clock.advance', 'topology.apply', 'topology.export', 'capture.ls', 'capture.stop', 'proxy.ls',
  'proxy.rm', 'map.ls', 'map.set', 'map.rm', 'session.info',
];
const NOT_METHODS = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'prototype', 'router', '', ' status', 'STATUS', 'x'.repeat(300)];
const KEYS = ['v', 'id', 'method', 'params', 'cancel', 'name', 'cidr', 'router', 'parent', 'ip', 'spec', 'iface', 'duration', 'text', 'baseDir', 'file', 'count', 'nat', '__proto__', 'constructor'];
const SENTINEL_BASE = 8_000_000_000_000_000;

class Gen {
  constructor(readonly rng: Rng) {}
  int(n: number): number {
    return Math.floor(this.rng.float() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }
  chance(p: number): boolean {
    return this.rng.float() < p;
  }
  string(): string {
    const pool = ['', 'home', 'r1', '10.0.0.0/24', '0.0.0.0/0', '192.168.1.0/33', '1h', '-5s', '1e9s', 'NaN', '../x', '\u0000', '\ud800', 'é', '{"v":1}', '\n', '/tmp', 'a/b'];
    if (this.chance(0.6)) return this.pick(pool);
    return Array.from({ length: this.int(12) }, () => String.fromCharCode(this.int(0x3000))).join('');
  }
  number(): number {
    return this.pick([0, -0, 1, -1, 7, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, 5e-324, 65535, 65536, this.int(1000)]);
  }
  value(depth = 0): unknown {
    const k = this.int(depth > 2 ? 4 : 6);
    if (k === 0) return null;
    if (k === 1) return this.chance(0.5);
    if (k === 2) return this.number();
    if (k === 3) return this.string();
    if (k === 4) return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
    return this.object(depth + 1);
  }
  object(depth = 0): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (let i = this.int(5); i > 0; i--) Object.defineProperty(o, this.chance(0.8) ? this.pick(KEYS) : this.string(), { value: this.value(depth), enumerable: true, writable: true, configurable: true });
    return o;
  }
  request(): Record<string, unknown> {
    const method = this.chance(0.8) ? this.pick(METHODS) : this.pick(NOT_METHODS);
    return { v: 1, id: this.int(1000), method, params: this.chance(0.8) ? this.object() : this.value() };
  }
  /** One frame: text ending in a newline (so the sentinel after it is a line of its own). */
  frame(): string {
    const kind = this.int(9);
    if (kind === 0) return `${JSON.stringify(this.request())}\n`;
    if (kind === 1) {
      // wrong types and sizes in the envelope
      const r = this.request();
      const field = this.pick(['v', 'id', 'method', 'params', 'cancel']);
      r[field] = this.pick([null, '1', 1.5, -1, 2 ** 60, 1e308, [], {}, true, this.string()]);
      return `${JSON.stringify(r)}\n`;
    }
    if (kind === 2) {
      // a mutated valid line: characters flipped, dropped, duplicated
      const chars = [...JSON.stringify(this.request())];
      for (let i = 1 + this.int(4); i > 0; i--) {
        const at = this.int(chars.length);
        const op = this.int(3);
        if (op === 0) chars[at] = this.pick(['{', '}', '"', ':', ',', '[', ']', '\\', '0', 'e', ' ']);
        else if (op === 1) chars.splice(at, 1);
        else chars.splice(at, 0, chars[at]);
      }
      return `${chars.join('').replace(/\n/g, '')}\n`;
    }
    if (kind === 3) {
      const line = JSON.stringify(this.request());
      return `${line.slice(0, this.int(line.length))}\n`; // truncated
    }
    if (kind === 4) {
      const bytes = Buffer.alloc(1 + this.int(200));
      for (let i = 0; i < bytes.length; i++) bytes[i] = this.int(256);
      return `${bytes.toString('latin1')}\n`; // binary garbage (its own newlines split it into lines)
    }
    if (kind === 5) return `${JSON.stringify(this.value())}\n`; // any JSON, mostly not a request
    if (kind === 6) return `${JSON.stringify({ v: 1, id: this.int(1000), cancel: this.pick([true, 1, 'yes']) })}\n`;
    if (kind === 7) return this.pick(['\n', '\r\n', '   \n', '\t\n', '{}\n', '[]\n', 'null\n', '1e999999\n', '"\\ud800"\n']);
    // several requests in one write
    return Array.from({ length: 2 + this.int(4) }, () => `${JSON.stringify(this.request())}\n`).join('');
  }
}

function checkResponse(m: Record<string, unknown>, where: string): void {
  assert.equal(m.v, 1, `${where}: every response carries v: 1: ${JSON.stringify(m)}`);
  assert.ok(m.id === null || Number.isSafeInteger(m.id), `${where}: id is null or an integer: ${JSON.stringify(m)}`);
  if ('item' in m) return;
  if (m.ok === true) {
    assert.ok('result' in m, `${where}: ok:true has a result`);
    return;
  }
  assert.equal(m.ok, false, `${where}: a final response has ok: ${JSON.stringify(m)}`);
  const e = m.error as { code?: unknown; message?: unknown; exit?: unknown };
  assert.ok(typeof e?.code === 'string' && /^E[A-Z_]+$/.test(e.code), `${where}: error code: ${JSON.stringify(m)}`);
  assert.ok(typeof e.message === 'string' && e.message.length > 0 && !e.message.includes('\n'), `${where}: one-line message: ${JSON.stringify(m)}`);
  assert.ok(Number.isInteger(e.exit) && (e.exit as number) >= 1, `${where}: exit code: ${JSON.stringify(m)}`);
}

test(`fuzzed control frames (${CASES} cases, seed ${SEED}): the daemon answers each well formed and keeps serving`, { timeout: Math.max(120_000, CASES * 200) }, async () => {
  const rt = tempRuntime();
  const d = await Daemon.start({ name: 'default', clock: 'virtual', seed: 1, env: rt.env });
  const gen = new Gen(new Rng(SEED));
  const codes = new Map<string, number>();
  let raw = await RawClient.connect(rt.sock);
  try {
    for (let i = 0; i < CASES; i++) {
      const frame = gen.frame();
      const where = `case ${i} (VNET_FUZZ_SEED=${SEED}) frame ${JSON.stringify(frame.slice(0, 200))}`;
      const sentinel = SENTINEL_BASE + i;
      raw.write(frame);
      raw.write(`{"v":1,"id":${sentinel},"method":"clock.show"}\n`);
      for (;;) {
        const m = await raw.next(10_000).catch((err: Error) => assert.fail(`${where}: ${err.message}`));
        checkResponse(m, where);
        if (m.ok === false) {
          const code = (m.error as { code: string }).code;
          codes.set(code, (codes.get(code) ?? 0) + 1);
          if (code === "EINTERNAL" && process.env.VNET_FUZZ_SHOW) process.stderr.write(`# ${where}: ${JSON.stringify(m)}\n`);
        }
        if (m.id === sentinel) {
          assert.equal(m.ok, true, `${where}: the normal call after the frame is served: ${JSON.stringify(m)}`);
          break;
        }
      }
      if (gen.chance(0.05)) {
        raw.destroy(); // now and then a fresh connection, as clients come and go
        raw = await RawClient.connect(rt.sock);
      }
    }
    const c = await within(ControlClient.connect(rt.sock), 2000, 'a normal client');
    assert.equal(((await within(c.call('session.info'), 2000, 'session.info')) as { pid: number }).pid, process.pid);
    c.close();
    process.stderr.write(`# error codes seen: ${JSON.stringify(Object.fromEntries([...codes].sort()))}\n`);
  } finally {
    raw.destroy();
    await within(d.stop('fuzz done'), 5000, 'the daemon to stop');
    rt.cleanup();
  }
});
