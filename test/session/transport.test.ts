// The control transport end to end over real Unix sockets: calls, concurrency, streams, cancels and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControlServer, type Dispatcher } from '../../src/session/server.js';
import { ControlClient } from '../../src/session/client.js';
import { exitCodeOf } from '../../src/session/protocol.js';
import { VnetError } from '../../src/engine/errors.js';
import { deferred, rejection, tempRuntime, within } from './helpers.js';

/** A server on a fresh runtime directory; `done` closes it, the clients and the directory. */
async function setup(dispatch: Dispatcher, closeGraceMs?: number) {
  const rt = tempRuntime();
  const server = new ControlServer(dispatch, { socketPath: rt.sock, closeGraceMs });
  await within(server.listen(), 2000, 'listen');
  const clients: ControlClient[] = [];
  return {
    rt,
    server,
    client: async () => {
      const c = await within(ControlClient.connect(rt.sock), 2000, 'connect');
      clients.push(c);
      return c;
    },
    done: async () => {
      for (const c of clients) c.close();
      await within(server.close(), 3000, 'server close');
      rt.cleanup();
    },
  };
}

test('a call round trips params and result', async () => {
  const seen: unknown[] = [];
  const s = await setup((method, params, ctx) => {
    if (method === 'nothing') return undefined;
    seen.push([method, params, ctx.clientId]);
    return { echo: params, method };
  });
  try {
    const c = await s.client();
    const r = await within(c.call<{ echo: unknown; method: string }>('router.add', { name: 'home', n: [1, 2] }), 2000, 'call');
    assert.deepEqual(r, { echo: { name: 'home', n: [1, 2] }, method: 'router.add' });
    assert.deepEqual(seen, [['router.add', { name: 'home', n: [1, 2] }, 1]]);
    assert.equal(await within(c.call('nothing'), 2000, 'call'), null, 'undefined results arrive as null');
  } finally {
    await s.done();
  }
});

test('two clients at once, and overlapping calls on one connection answered as they finish', async () => {
  const gates = new Map<string, ReturnType<typeof deferred<string>>>();
  const started = deferred();
  const s = await setup((_method, params) => {
    const { gate } = params as { gate: string };
    const d = deferred<string>();
    gates.set(gate, d);
    if (gates.size === 3) started.resolve();
    return d.promise;
  });
  try {
    const a = await s.client();
    const b = await s.client();
    const order: string[] = [];
    const a1 = a.call<string>('wait', { gate: 'a1' }).then((v) => (order.push(v), v));
    const a2 = a.call<string>('wait', { gate: 'a2' }).then((v) => (order.push(v), v));
    const b1 = b.call<string>('wait', { gate: 'b1' }).then((v) => (order.push(v), v));
    await within(started.promise, 2000, 'three calls to start');
    assert.equal(a.inFlight, 2);
    gates.get('a2')!.resolve('A2');
    assert.equal(await within(a2, 2000, 'a2'), 'A2');
    gates.get('b1')!.resolve('B1');
    gates.get('a1')!.resolve('A1');
    assert.deepEqual(await within(Promise.all([a1, b1]), 2000, 'a1 and b1'), ['A1', 'B1']);
    assert.deepEqual(order.slice(0, 1), ['A2']);
    assert.equal(a.inFlight, 0);
  } finally {
    await s.done();
  }
});

test('a stream sends items, in order, before its final result', async () => {
  const s = await setup((_m, params, ctx) => {
    const { n } = params as { n: number };
    for (let i = 0; i < n; i++) ctx.emit({ seq: i });
    return { count: n };
  });
  try {
    const c = await s.client();
    const items: unknown[] = [];
    const r = await within(c.call('events', { n: 5 }, { onItem: (it) => items.push(it) }), 2000, 'stream');
    assert.deepEqual(items, [0, 1, 2, 3, 4].map((seq) => ({ seq })));
    assert.deepEqual(r, { count: 5 });
  } finally {
    await s.done();
  }
});

test('aborting a stream cancels it on the server and rejects the call with an AbortError (exit 130)', async () => {
  const aborted = deferred<unknown>();
  const firstItem = deferred();
  const s = await setup((m, _p, ctx) => {
    if (m === 'ping') return 'pong';
    ctx.emit('first');
    return new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        aborted.resolve(ctx.signal.reason);
        ctx.emit('after-cancel'); // dropped
        reject(ctx.signal.reason);
      });
    });
  });
  try {
    const c = await s.client();
    const ac = new AbortController();
    const items: unknown[] = [];
    const call = c.call('events.follow', {}, {
      signal: ac.signal,
      onItem: (it) => {
        items.push(it);
        firstItem.resolve();
      },
    });
    await within(firstItem.promise, 2000, 'the first item');
    ac.abort();
    const err = await rejection(call, 2000, 'the cancelled call');
    assert.equal(err.name, 'AbortError');
    assert.equal(exitCodeOf(err), 130);
    const reason = (await within(aborted.promise, 2000, 'the server-side abort')) as Error;
    assert.equal(reason.name, 'AbortError');
    assert.deepEqual(items, ['first']);
    assert.equal(c.inFlight, 0);
    assert.equal(await within(c.call('ping'), 2000, 'ping after cancel'), 'pong', 'the connection serves calls after a cancel');
  } finally {
    await s.done();
  }
});

test('a call that times out is cancelled on the server and rejects ETIMEDOUT', async () => {
  const aborted = deferred();
  const s = await setup((m, _p, ctx) => {
    if (m === 'ping') return 'pong';
    ctx.signal.addEventListener('abort', () => aborted.resolve());
    return new Promise(() => {});
  });
  try {
    const c = await s.client();
    const err = await rejection(c.call('slow', {}, { timeoutMs: 50 }), 2000, 'the timed-out call');
    assert.equal(err.code, 'ETIMEDOUT');
    assert.equal(exitCodeOf(err), 1);
    await within(aborted.promise, 2000, 'the server-side abort');
    assert.equal(await within(c.call('ping'), 2000, 'ping after timeout'), 'pong');
  } finally {
    await s.done();
  }
});

test('errors: a VnetError keeps its code and exits 2; anything else is EINTERNAL, exit 1', async () => {
  const s = await setup((m) => {
    if (m === 'bad') throw new VnetError('EINVAL', 'cidr "10.0.0.0/33" is not valid: the prefix is 0-32');
    if (m === 'missing') return Promise.reject(new VnetError('ENOTFOUND', 'no node "x"'));
    if (m === 'bug') throw new TypeError('cannot read properties of undefined');
    if (m === 'bigint') return { n: 1n };
    return 'ok';
  });
  try {
    const c = await s.client();
    const bad = await rejection(c.call('bad'), 2000, 'bad');
    assert.equal(bad.name, 'RemoteError');
    assert.equal(bad.code, 'EINVAL');
    assert.equal(bad.exit, 2);
    assert.equal(bad.message, 'cidr "10.0.0.0/33" is not valid: the prefix is 0-32');
    assert.equal(exitCodeOf(bad), 2);
    const missing = await rejection(c.call('missing'), 2000, 'missing');
    assert.deepEqual([missing.code, missing.exit], ['ENOTFOUND', 2]);
    const bug = await rejection(c.call('bug'), 2000, 'bug');
    assert.deepEqual([bug.code, bug.exit, bug.message], ['EINTERNAL', 1, 'cannot read properties of undefined']);
    const big = await rejection(c.call('bigint'), 2000, 'bigint');
    assert.equal(big.code, 'EINTERNAL');
    assert.match(String(big.message), /cannot be sent as JSON/);
    assert.equal(await within(c.call('fine'), 2000, 'fine'), 'ok', 'the connection survives errors');
  } finally {
    await s.done();
  }
});

test('client.close() rejects its calls in flight with an AbortError and lets the server go on', async () => {
  const s = await setup((m) => (m === 'hang' ? new Promise(() => {}) : 'ok'));
  try {
    const c = await s.client();
    const pending = c.call('hang');
    c.close();
    const err = await rejection(pending, 2000, 'the abandoned call');
    assert.equal(err.name, 'AbortError');
    const d = await s.client();
    assert.equal(await within(d.call('x'), 2000, 'a call on a new connection'), 'ok');
  } finally {
    await s.done();
  }
});

test('exitCodeOf maps every kind of error', () => {
  assert.equal(exitCodeOf(new VnetError('EINVAL', 'x')), 2);
  assert.equal(exitCodeOf(new VnetError('EEXIST', 'x')), 2);
  assert.equal(exitCodeOf(new VnetError('ENOSESSION', 'x')), 3);
  assert.equal(exitCodeOf(new VnetError('ESTALE', 'x')), 3);
  assert.equal(exitCodeOf(new VnetError('EPROTO', 'x')), 1);
  assert.equal(exitCodeOf(new VnetError('ENETUNREACH', 'x')), 1);
  assert.equal(exitCodeOf(Object.assign(new Error('x'), { exit: 7 })), 7);
  assert.equal(exitCodeOf(new DOMException('x', 'AbortError')), 130);
  assert.equal(exitCodeOf(new Error('x')), 1);
  assert.equal(exitCodeOf('a string'), 1);
  assert.equal(exitCodeOf(null), 1);
});
