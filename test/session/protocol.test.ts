// The wire protocol itself: framing, malformed lines, version mismatches in both directions, size limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ControlServer } from '../../src/session/server.js';
import { ControlClient } from '../../src/session/client.js';
import { LineReader, MAX_LINE_BYTES, parseClientLine } from '../../src/session/protocol.js';
import { RawClient, rejection, tempRuntime, within } from './helpers.js';

async function echoServer() {
  const rt = tempRuntime();
  const server = new ControlServer((method, params, ctx) => {
    if (method === 'stream') ctx.emit('one');
    return { method, params };
  }, { socketPath: rt.sock });
  await within(server.listen(), 2000, 'listen');
  return {
    rt,
    done: async () => {
      await within(server.close(), 3000, 'close');
      rt.cleanup();
    },
  };
}

test('the wire format of requests, items and final responses', async () => {
  const s = await echoServer();
  const raw = await RawClient.connect(s.rt.sock);
  try {
    raw.write('{"v":1,"id":1,"method":"stream","params":{"a":1}}\n');
    assert.deepEqual(await raw.next(), { v: 1, id: 1, item: 'one' });
    assert.deepEqual(await raw.next(), { v: 1, id: 1, ok: true, result: { method: 'stream', params: { a: 1 } } });
    raw.write('{"v":1,"id":2,"method":"noparams"}\r\n\n');
    assert.deepEqual(await raw.next(), { v: 1, id: 2, ok: true, result: { method: 'noparams', params: {} } });
  } finally {
    raw.destroy();
    await s.done();
  }
});

test('a malformed line answers EPROTO with id null and the connection keeps working', async () => {
  const s = await echoServer();
  const raw = await RawClient.connect(s.rt.sock);
  try {
    raw.write('{"v":1, this is not json\n');
    const r = await raw.next();
    assert.equal(r.id, null);
    assert.equal(r.ok, false);
    assert.deepEqual(Object.keys(r.error as object).sort(), ['code', 'exit', 'message']);
    assert.equal((r.error as { code: string }).code, 'EPROTO');
    assert.match((r.error as { message: string }).message, /not JSON/);
    raw.write('[1,2]\n{"v":1,"method":"x"}\n');
    assert.equal(((await raw.next()).error as { code: string }).code, 'EPROTO');
    const noId = await raw.next();
    assert.equal(noId.id, null);
    assert.match((noId.error as { message: string }).message, /no integer "id"/);
    raw.write('{"v":1,"id":3,"method":"still"}\n');
    assert.deepEqual(await raw.next(), { v: 1, id: 3, ok: true, result: { method: 'still', params: {} } });
  } finally {
    raw.destroy();
    await s.done();
  }
});

test('a request of another protocol version answers EPROTO naming both versions and the mend', async () => {
  const s = await echoServer();
  const raw = await RawClient.connect(s.rt.sock);
  try {
    raw.write('{"v":2,"id":9,"method":"router.add","params":{}}\n');
    const r = await raw.next();
    assert.equal(r.id, 9);
    assert.equal(r.ok, false);
    const e = r.error as { code: string; message: string; exit: number };
    assert.equal(e.code, 'EPROTO');
    assert.equal(e.exit, 1);
    assert.match(e.message, /v1.*v2.*restart the session with this vnet: vnet down && vnet up/);
  } finally {
    raw.destroy();
    await s.done();
  }
});

test('a daemon speaking another version: the client fails the call with EPROTO', async () => {
  const rt = tempRuntime();
  const fake = createServer((sock) => {
    sock.setEncoding('utf8');
    sock.on('data', (line: string) => {
      const req = JSON.parse(line) as { id: number };
      sock.write(`${JSON.stringify({ v: 2, id: req.id, ok: true, result: 'from the future' })}\n`);
    });
    sock.on('error', () => {});
  });
  await within(new Promise<void>((r) => fake.listen(rt.sock, () => r())), 2000, 'fake listen');
  try {
    const c = await within(ControlClient.connect(rt.sock), 2000, 'connect');
    const err = await rejection(c.call('status'), 2000, 'call');
    assert.equal(err.code, 'EPROTO');
    assert.match(String(err.message), /daemon speaks control protocol v2 and this vnet speaks v1; restart the session/);
    c.close();
  } finally {
    await within(new Promise<void>((r) => fake.close(() => r())), 3000, 'fake close');
    rt.cleanup();
  }
});

test('a request line over 16 MiB is refused with EPROTO and the connection closed', async () => {
  const s = await echoServer();
  const raw = await RawClient.connect(s.rt.sock);
  try {
    raw.write(`{"v":1,"id":1,"method":"ok"}\n`);
    assert.equal((await raw.next()).ok, true);
    raw.write(`{"v":1,"id":2,"method":"big","params":"${'x'.repeat(MAX_LINE_BYTES)}"}\n`);
    const r = await raw.next(5000);
    assert.equal(r.id, null);
    assert.equal((r.error as { code: string }).code, 'EPROTO');
    assert.match((r.error as { message: string }).message, /over 16 MiB/);
    await raw.closed(5000);
    // The server goes on serving others.
    const c = await within(ControlClient.connect(s.rt.sock), 2000, 'connect');
    assert.deepEqual(await within(c.call('after'), 2000, 'call'), { method: 'after', params: {} });
    c.close();
  } finally {
    raw.destroy();
    await s.done();
  }
});

test('the client refuses to send a request over the limit (EINVAL) and keeps its connection', async () => {
  const s = await echoServer();
  try {
    const c = await within(ControlClient.connect(s.rt.sock), 2000, 'connect');
    const err = await rejection(c.call('apply', { yaml: 'x'.repeat(MAX_LINE_BYTES) }), 2000, 'call');
    assert.deepEqual([err.code], ['EINVAL']);
    assert.match(String(err.message), /over the 16 MiB limit/);
    assert.deepEqual(await within(c.call('small'), 2000, 'call'), { method: 'small', params: {} });
    c.close();
  } finally {
    await s.done();
  }
});

test('a duplicate id in flight is refused; a cancel for an unknown id is ignored', async () => {
  const rt = tempRuntime();
  const server = new ControlServer((m) => (m === 'hang' ? new Promise(() => {}) : 'ok'), { socketPath: rt.sock, closeGraceMs: 10 });
  await within(server.listen(), 2000, 'listen');
  const raw = await RawClient.connect(rt.sock);
  try {
    raw.write('{"v":1,"id":1,"method":"hang"}\n{"v":1,"id":1,"method":"hang"}\n');
    const dup = await raw.next();
    assert.equal(dup.id, null);
    assert.match((dup.error as { message: string }).message, /already in flight/);
    raw.write('{"v":1,"id":42,"cancel":true}\n{"v":1,"id":1,"cancel":true}\n');
    const cancelled = await raw.next();
    assert.equal(cancelled.id, 1);
    assert.deepEqual(cancelled.error, { code: 'ECANCELED', message: 'the call was cancelled by the client', exit: 130 });
    raw.write('{"v":1,"id":2,"method":"x"}\n');
    assert.deepEqual(await raw.next(), { v: 1, id: 2, ok: true, result: 'ok' });
  } finally {
    raw.destroy();
    await within(server.close(), 3000, 'close');
    rt.cleanup();
  }
});

test('LineReader: lines split across chunks, UTF-8 split inside a character, CRLF, blank lines, the limit', () => {
  const r = new LineReader(10);
  const bytes = Buffer.from('é€\n', 'utf8'); // 2 + 3 bytes then newline
  assert.deepEqual(r.push(bytes.subarray(0, 1)), { lines: [], overflow: false });
  assert.deepEqual(r.push(bytes.subarray(1, 3)), { lines: [], overflow: false });
  assert.deepEqual(r.push(Buffer.concat([bytes.subarray(3), Buffer.from('ab\r\n\n  \ncd')])), { lines: ['é€', 'ab'], overflow: false });
  assert.deepEqual(r.push(Buffer.from('e\n')), { lines: ['cde'], overflow: false });
  assert.deepEqual(r.push(Buffer.from('0123456789\n')), { lines: ['0123456789'], overflow: false });
  assert.deepEqual(r.push(Buffer.from('ok\n0123456789A')), { lines: ['ok'], overflow: true });
  assert.equal(new LineReader(3).push(Buffer.from('12')).overflow, false);
});

test('parseClientLine: absent params become {}, cancels, bad versions', () => {
  assert.deepEqual(parseClientLine('{"v":1,"id":1,"method":"m"}'), { kind: 'request', id: 1, method: 'm', params: {} });
  assert.deepEqual(parseClientLine('{"v":1,"id":1,"cancel":true}'), { kind: 'cancel', id: 1 });
  const noV = parseClientLine('{"id":4,"method":"m"}');
  assert.equal(noV.kind, 'invalid');
  assert.equal(noV.kind === 'invalid' && noV.id, 4);
  assert.match(noV.kind === 'invalid' ? noV.error.message : '', /has no version/);
});
