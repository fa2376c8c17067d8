// The control server's limits against clients that send or read without end, and what the daemon
// refuses over the protocol (method names that are not methods, relative paths).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControlServer, type ServerLimits } from '../../src/session/server.js';
import { ControlClient } from '../../src/session/client.js';
import { errorBody, exitCodeOf, parseServerLine } from '../../src/session/protocol.js';
import { VnetError } from '../../src/engine/errors.js';
import { Daemon } from '../../src/session/daemon.js';
import { Session } from '../../src/session/session.js';
import { RawClient, rejection, tempRuntime, within } from './helpers.js';

async function limitedServer(limits: Partial<ServerLimits>) {
  const rt = tempRuntime();
  const server = new ControlServer((method, params, ctx) => {
    if (method === 'flood') {
      const { n, size } = params as { n: number; size: number };
      for (let i = 0; i < n; i++) ctx.emit({ i, pad: 'x'.repeat(size) });
      return { emitted: n };
    }
    return { method };
  }, { socketPath: rt.sock, limits });
  await within(server.listen(), 2000, 'listen');
  return {
    rt,
    server,
    done: async () => {
      await within(server.close(), 3000, 'close');
      rt.cleanup();
    },
  };
}

test('unfinished request lines are bounded for all connections together, and released when they close', async () => {
  const KiB = 1024;
  const s = await limitedServer({ maxLineBytes: 512 * KiB, maxPartialInputBytes: 1024 * KiB });
  const raws: RawClient[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const raw = await RawClient.connect(s.rt.sock);
      raws.push(raw);
      raw.write(`{"v":1,"id":1,"method":"x","params":"${'y'.repeat(400 * KiB)}`);
    }
    // Each is under the line limit; together they are under the total.
    await within((async () => { while (s.server.partialInputBytes < 800 * KiB) await new Promise((r) => setTimeout(r, 5)); })(), 3000, 'the partial lines to arrive');
    const third = await RawClient.connect(s.rt.sock);
    raws.push(third);
    third.write(`{"v":1,"id":1,"method":"x","params":"${'y'.repeat(400 * KiB)}`);
    const r = await third.next(3000);
    assert.equal(r.id, null);
    assert.equal((r.error as { code: string }).code, 'EPROTO');
    assert.match((r.error as { message: string }).message, /holds over 1 MiB of unfinished request lines from 3 connections; this connection is closed: end each request with a newline/);
    await third.closed(3000);
    assert.ok(s.server.partialInputBytes <= 1024 * KiB, `holds ${s.server.partialInputBytes} bytes`);
    // The first two go on: finishing a line is served.
    raws[0].write('"}\n');
    assert.deepEqual(await raws[0].next(3000), { v: 1, id: 1, ok: true, result: { method: 'x' } });
    raws[1].destroy();
    await raws[1].closed(3000);
    await within((async () => { while (s.server.partialInputBytes !== 0) await new Promise((r) => setTimeout(r, 5)); })(), 3000, 'the memory to be released');
  } finally {
    for (const r of raws) r.destroy();
    await s.done();
  }
});

test('one connection over the limit of connections is answered EPROTO and closed; the others are served', async () => {
  const s = await limitedServer({ maxConnections: 2 });
  const a = await within(ControlClient.connect(s.rt.sock), 2000, 'a');
  const b = await within(ControlClient.connect(s.rt.sock), 2000, 'b');
  const raw = await RawClient.connect(s.rt.sock);
  try {
    const r = await raw.next(3000);
    assert.equal((r.error as { code: string }).code, 'EPROTO');
    assert.match((r.error as { message: string }).message, /serves at most 2 connections at once/);
    await raw.closed(3000);
    assert.deepEqual(await within(a.call('x'), 2000, 'a call'), { method: 'x' });
    b.close();
    await within((async () => { while (s.server.connections > 1) await new Promise((r) => setTimeout(r, 5)); })(), 3000, 'b to go');
    const c = await within(ControlClient.connect(s.rt.sock), 2000, 'c');
    assert.deepEqual(await within(c.call('y'), 2000, 'c call'), { method: 'y' });
    c.close();
  } finally {
    a.close();
    b.close();
    raw.destroy();
    await s.done();
  }
});

test('a client that reads a stream too slowly loses items, counted (ENOBUFS, exit 1), never its connection', async () => {
  const s = await limitedServer({ maxPendingOutputBytes: 256 * 1024 });
  const raw = await RawClient.connect(s.rt.sock);
  try {
    // The server writes the whole flood in one go, faster than any reader.
    raw.write('{"v":1,"id":1,"method":"flood","params":{"n":2000,"size":1024}}\n');
    let final: Record<string, unknown> | undefined;
    let items = 0;
    while (!final) {
      const m = await raw.next(5000);
      if ('item' in m) items++;
      else final = m;
    }
    assert.equal(final.ok, true);
    assert.ok(typeof final.dropped === 'number' && final.dropped > 0, 'the final response counts what was dropped');
    assert.equal(items + (final.dropped as number), 2000, 'every item either arrived or was counted');
    raw.write('{"v":1,"id":2,"method":"after"}\n');
    assert.deepEqual(await raw.next(3000), { v: 1, id: 2, ok: true, result: { method: 'after' } });

    // The flood is written in one go, faster than any reader: the client gets what fit and the count.
    const c = await within(ControlClient.connect(s.rt.sock), 2000, 'connect');
    let got = 0;
    const err = await rejection(c.call('flood', { n: 2000, size: 1024 }, { onItem: () => got++ }), 5000, 'the flooded call');
    assert.equal(err.code, 'ENOBUFS');
    assert.equal(exitCodeOf(err), 1);
    assert.equal(err.message, `${2000 - got} items of the flood stream were dropped: this command read them more slowly than the session produced them and fell over 256 MiB behind; send its output to a file or a faster reader`);
    assert.deepEqual(await within(c.call('again'), 2000, 'a call on the same connection'), { method: 'again' });
    c.close();
  } finally {
    raw.destroy();
    await s.done();
  }
});

test('the client reads "dropped" off a final response', () => {
  const m = parseServerLine('{"v":1,"id":3,"ok":true,"result":null,"dropped":12}');
  assert.deepEqual(m, { kind: 'final', id: 3, ok: true, result: null, dropped: 12 });
  assert.equal((parseServerLine('{"v":1,"id":3,"ok":true,"result":1}') as { dropped: number }).dropped, 0);
});

test('an error message stays one line whatever it quotes (a name holding a newline)', () => {
  const body = errorBody(new VnetError('ENOTFOUND', 'no router or host named "a\nb\u0007"'));
  assert.deepEqual(body, { code: 'ENOTFOUND', message: 'no router or host named "a\\nb\\u0007"', exit: 2 });
  assert.equal(errorBody(new TypeError('x\r\ny')).message, 'x\\r\\ny');
});

test('names that are not methods ("constructor", "toString", "__proto__") are unknown: ENOTFOUND', () => {
  const s = new Session({ clock: 'virtual' });
  const ctx = { signal: new AbortController().signal, emit: () => {} };
  try {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
      assert.throws(() => s.call(name, {}, ctx), (err: { code?: string; message?: string }) => {
        assert.equal(err.code, 'ENOTFOUND', name);
        assert.match(String(err.message), new RegExp(`^unknown method "${name}"; known: `));
        return true;
      });
    }
    assert.equal((s.call('clock.show', {}, ctx) as { kind: string }).kind, 'virtual');
  } finally {
    s.close();
  }
});

test('over the protocol, paths must be absolute: capture.start file and topology.apply baseDir (EINVAL, exit 2, naming the param)', async () => {
  const rt = tempRuntime();
  const d = await Daemon.start({ name: 'default', clock: 'virtual', seed: 1, env: rt.env });
  const c = await within(ControlClient.connect(rt.sock), 2000, 'connect');
  try {
    await c.call('router.add', { name: 'r', cidr: '10.0.0.0/24' });
    await c.call('host.add', { name: 'a', router: 'r' });
    const cap = await rejection(c.call('capture.start', { on: ['a'], file: 'out.pcap' }), 2000, 'a relative capture file');
    assert.deepEqual([cap.code, cap.exit], ['EINVAL', 2]);
    assert.match(String(cap.message), /^capture\.start: param "file" \(the capture file\) is "out\.pcap", not an absolute path; the session daemon runs in \//);
    const topo = { text: 'hosts:\n  - { name: b, router: r }\n', fileName: 't.yaml' };
    const noBase = await rejection(c.call('topology.apply', topo), 2000, 'topology.apply without baseDir');
    assert.deepEqual([noBase.code, noBase.exit], ['EINVAL', 2]);
    assert.match(String(noBase.message), /^topology\.apply: param "baseDir" .* is missing/);
    const relBase = await rejection(c.call('topology.apply', { ...topo, baseDir: 'here' }), 2000, 'a relative baseDir');
    assert.match(String(relBase.message), /param "baseDir" .* is "here", not an absolute path/);
    const applied = (await c.call('topology.apply', { ...topo, baseDir: rt.dir })) as { created: { hosts: string[] } };
    assert.deepEqual(applied.created.hosts, ['b']);
    const file = `${rt.dir}/out.pcap`;
    const info = (await c.call('capture.start', { on: ['a'], file })) as { file: string };
    assert.equal(info.file, file);
  } finally {
    c.close();
    await within(d.stop('test'), 3000, 'stop');
    rt.cleanup();
  }
});
