// A capture streamed to the caller (`capture start -w -`) ends with its final info however it ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from '../../src/session/session.js';
import type { CaptureInfo } from '../../src/capture/index.js';

function session(): Session {
  const s = new Session({ clock: 'virtual', seed: 1 });
  s.net.addRouter({ name: 'internet', cidr: '198.51.100.0/24' });
  s.net.addHost({ name: 'a', router: 'internet' });
  s.net.addHost({ name: 'b', router: 'internet' });
  return s;
}

test('a stream whose reader fails ends the call with the failed capture, and the event log says why', { timeout: 10_000 }, async () => {
  const s = session();
  try {
    let items = 0;
    const ctx = {
      signal: new AbortController().signal,
      emit: () => {
        if (++items === 3) throw new Error('EPIPE: the reader went away');
      },
    };
    const call = s.call('capture.start', { on: ['a'], stream: true }, ctx) as Promise<CaptureInfo>;
    const sock = s.net.host('a').udpBind(5000);
    for (let i = 0; i < 4; i++) sock.send(`n${i}`, 7000, s.net.host('b').ip);
    s.net.runUntilIdle();
    const info = await call;
    assert.equal(info.state, 'failed');
    assert.match(info.error!, /its output stream failed with EPIPE/);
    const logged: { type: string; id?: number }[] = [];
    s.call('events', {}, { signal: new AbortController().signal, emit: (e) => logged.push(e as { type: string; id?: number }) });
    assert.deepEqual(logged.filter((e) => e.type === 'capture-failed').map((e) => e.id), [info.id]);
  } finally {
    s.close();
  }
});

test('a stream ends with the stopped capture on capture stop', { timeout: 10_000 }, async () => {
  const s = session();
  try {
    const ctx = { signal: new AbortController().signal, emit: () => {} };
    const call = s.call('capture.start', { on: ['a'], stream: true }, ctx) as Promise<CaptureInfo>;
    const id = s.captures.list()[0].id;
    s.call('capture.stop', { id }, ctx);
    const info = await call;
    assert.equal(info.state, 'stopped');
    assert.equal(info.id, id);
  } finally {
    s.close();
  }
});
