// The detached daemon process `vnet up` spawns. It gets its options over the IPC channel,
// answers { ready } or { error }, then lets go of the channel and serves until stopped.
// stdout and stderr are the session's log file.
import { errorBody, type ErrorBody } from './protocol.js';
import { Daemon, stopOnSignals, type DaemonOptions } from './daemon.js';

export type StartMessage = { start: DaemonOptions };
export type StartReply = { ready: Record<string, unknown>; applied?: unknown } | { error: ErrorBody };

const log = (line: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};

function reply(msg: StartReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

process.once('message', (msg: StartMessage) => {
  void (async () => {
    let daemon: Daemon;
    try {
      daemon = await Daemon.start({ ...msg.start, log });
    } catch (err) {
      log(`failed to start: ${(err as Error).message}`);
      await reply({ error: errorBody(err) });
      process.exit(1);
    }
    stopOnSignals(daemon);
    process.on('uncaughtException', (err) => log(`uncaught: ${err.stack ?? err.message}`));
    await reply({ ready: daemon.info(), applied: daemon.applied });
    process.disconnect();
    await daemon.stopped;
    process.exit(0);
  })();
});
