// The session's capture methods: start (to a file, or streamed to the caller), ls, stop.
import { isAbsolute, resolve } from 'node:path';
import { invalid } from '../engine/errors.js';
import type { CaptureInfo, CaptureManager, CaptureStartOptions } from '../capture/index.js';
import { captureOptions, type CaptureParams } from './entry-methods.js';
import { checked, id } from './params.js';
import type { CallContext, Method } from './session.js';
import type { CaptureStarter } from './topology-apply.js';
import type { CaptureDoc } from './topology-schema.js';

/** Streams in progress, by capture id: ended by the caller (Ctrl-C), `capture stop`, or a failure. */
type StreamEnd = (info: CaptureInfo) => void;

export class SessionCaptures {
  private readonly streams = new Map<number, StreamEnd>();

  constructor(readonly manager: CaptureManager) {
    manager.net.on((e) => {
      if (e.type !== 'capture-failed') return;
      const end = this.streams.get(e.id);
      const info = end && this.manager.list().find((c) => c.id === e.id);
      if (info) end(info);
    });
  }

  methods(): Record<string, Method> {
    return {
      'capture.start': checked((p: CaptureParams, ctx) => this.start(p, ctx)),
      'capture.ls': () => this.list(),
      'capture.stop': (p) => this.stop(p),
    };
  }

  list(): CaptureInfo[] {
    return this.manager.list();
  }

  /** How `topology.apply` starts a file's captures: files relative to `baseDir`; one already running is left alone. */
  starter(baseDir: string): CaptureStarter {
    const options = (doc: CaptureDoc): CaptureStartOptions => ({ ...captureOptions(doc), file: isAbsolute(doc.file) ? doc.file : resolve(baseDir, doc.file) });
    return {
      options,
      running: (doc) => {
        const opts = options(doc);
        const same = this.manager.list().some((c) => c.state === 'running' && c.file === opts.file && c.ifaces.join(' ') === doc.on.join(' '));
        if (!same) this.manager.checkFile(opts);
        return same;
      },
      prepare: (doc) => {
        const prepared = this.manager.prepare(options(doc));
        return {
          commit: () => {
            const info = prepared.commit();
            return () => void this.manager.stop(info.id);
          },
          abandon: () => prepared.abandon(),
        };
      },
    };
  }

  /** Stops every capture (flushing files) and ends every stream: `vnet down`, SIGINT, SIGTERM. */
  stopAll(): CaptureInfo[] {
    const infos = this.manager.stopAll();
    for (const info of infos) this.streams.get(info.id)?.(info);
    return infos;
  }

  private start(p: CaptureParams, ctx: CallContext): CaptureInfo | Promise<CaptureInfo> {
    const opts = captureOptions(p);
    if (!p.stream) {
      if (opts.file === undefined) throw invalid('a capture needs a file (-w FILE), or -w - to stream it');
      return this.manager.start(opts);
    }
    return new Promise<CaptureInfo>((resolve) => {
      // The file header arrives inside start(), before the first packet.
      const info = this.manager.start({ ...opts, file: undefined, sink: (chunk) => ctx.emit({ data: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64') }) });
      const end: StreamEnd = (last) => {
        this.streams.delete(info.id);
        resolve(last);
      };
      this.streams.set(info.id, end);
      ctx.signal.addEventListener('abort', () => {
        const running = this.manager.list().find((c) => c.id === info.id);
        end(running?.state === 'running' ? this.manager.stop(info.id) : running ?? info);
      }, { once: true });
    });
  }

  private stop(p: Record<string, unknown>): CaptureInfo[] {
    if (p.all) return this.stopAll();
    const info = this.manager.stop(id(p, 'capture'));
    this.streams.get(info.id)?.(info);
    return [info];
  }
}
