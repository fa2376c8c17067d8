// `vnet repl`: reads lines from a terminal or a script, runs each as a vnet command on one session (a daemon's,
// or one held in this process), and shows NAT and drop events above the prompt as they happen.
import { createInterface, cursorTo, clearLine } from 'node:readline';
import { Chalk } from 'chalk';
import { loadHelpClass, type Config } from '@oclif/core';
import { callSession, useInProcessSession, type SessionCall } from '../cli/base.js';
import { useConfirmer } from '../cli/confirm.js';
import { reportStaleCaptures } from '../session/capture-claims.js';
import { Session } from '../session/session.js';
import type { HostView, RouterView } from '../session/views.js';
import { daemonAnswers } from '../session/client.js';
import { CommandTable } from './command-table.js';
import { complete, type SessionNames } from './completer.js';
import { HISTORY_SIZE, HistoryFile, historyPath } from './history.js';
import { LiveEvents } from './live-events.js';
import { LineRunner, type Outcome } from './runner.js';

export interface ReplOptions {
  config: Config;
  /** The session name to attach to, or to give the in-process session. */
  session: string;
  clock: 'real' | 'virtual';
  seed: number;
  /** Live events: default on a terminal only. */
  events?: boolean;
  /** Stop at the first failing line (scripts). */
  bail?: boolean;
  /** Print each line read from a script before running it. */
  echo?: boolean;
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream & { isTTY?: boolean };
  env?: Record<string, string | undefined>;
}

/** Whether a daemon holds the session's socket (as `vnet up` and `vnet exec` decide it). */
async function daemonRunning(name: string, env: Record<string, string | undefined>): Promise<boolean> {
  return daemonAnswers(name, env);
}

/** Runs the REPL to its end; resolves with the exit status (on a script: 0 if every line succeeded, else 1). */
export async function runRepl(opts: ReplOptions): Promise<number> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const env = opts.env ?? process.env;
  const tty = Boolean(input.isTTY && output.isTTY);
  const color = tty && env.NO_COLOR === undefined;
  const c = new Chalk({ level: color ? 1 : 0 });

  let session: Session | null = null;
  if (await daemonRunning(opts.session, env)) {
    process.env.VNET_SESSION = opts.session; // every command run here talks to that daemon
    process.stderr.write(`vnet: attached to session "${opts.session}" (its daemon); \`exit\` leaves it running\n`);
  } else {
    reportStaleCaptures(env);
    session = new Session({ clock: opts.clock, seed: opts.seed, name: opts.session });
    useInProcessSession(session);
    process.stderr.write(`vnet: no session "${opts.session}" is running; holding one in this process (${opts.clock} clock, seed ${opts.seed}), which ends with the REPL\n`);
  }
  const attachedTo = session === null ? opts.session : null;
  const call: SessionCall = (method, params, onItem, signal) => callSession(opts.session, method, params, onItem, signal);

  const config = opts.config;
  const table = new CommandTable(config.commands, config.bin);
  const runner = new LineRunner({
    table, attachedTo, bail: opts.bail,
    host: {
      runCommand: (id, argv) => config.runCommand(id, argv),
      showHelp: async (id) => {
        const Help = await loadHelpClass(config);
        const command = config.findCommand(id);
        if (command) await new Help(config).showCommandHelp(command, config.topics);
      },
    },
  });

  const history = tty ? new HistoryFile(historyPath(env)) : undefined;
  if (history?.problem) process.stderr.write(`vnet: ${history.problem}\n`);
  const names = async (): Promise<SessionNames> => {
    const [routers, hosts] = (await Promise.all([call('router.ls'), call('host.ls')])) as [RouterView[], HostView[]];
    const interfaces = [...routers, ...hosts].flatMap((n) => n.interfaces.map((i) => i.name));
    return { routers: routers.map((r) => r.name), hosts: hosts.map((h) => h.name), interfaces };
  };
  const rl = createInterface({
    input,
    output: tty ? output : undefined,
    terminal: tty,
    prompt: c.bold(attachedTo === null ? 'vnet> ' : `vnet(${attachedTo})> `),
    history: history?.newestFirst ?? [],
    historySize: HISTORY_SIZE,
    completer: tty ? (line: string, cb: (err: Error | null, r?: [string[], string]) => void) => {
      complete(line, table, names).then((r) => cb(null, r), (err: Error) => cb(err));
    } : undefined,
  });

  let waiting = false;
  const printAbove = (lines: string[]): void => {
    if (tty && waiting) {
      cursorTo(output, 0);
      clearLine(output, 0);
    }
    for (const line of lines) output.write(`${line}\n`);
    if (tty && waiting) rl.prompt(true);
  };
  const live = (opts.events ?? tty)
    ? new LiveEvents({ call, print: printAbove, color, onError: (m) => printAbove([`vnet: ${m}`]) })
    : undefined;
  const backlog = await live?.start().catch((err: Error) => {
    process.stderr.write(`vnet: live events are off: ${err.message}\n`);
    return 0;
  });
  if (backlog) process.stderr.write(`vnet: the session has ${backlog} earlier events; \`events\` lists them\n`);

  return await new Promise<number>((resolve) => {
    // Lines read, with their numbers: a script's errors name `<stdin>:LINE`, as a `source`d file's name FILE:LINE.
    const queue: { text: string; number: number }[] = [];
    let linesRead = 0;
    let running: AbortController | null = null;
    let pumping = false;
    let interruptedScript = false;
    let inputEnded = false;
    let finished = false;
    let failures = 0;

    const finish = (status: number): void => {
      if (finished) return;
      finished = true;
      process.off('SIGINT', onSignal);
      if (tty) useConfirmer(null);
      live?.stop();
      rl.close();
      if (session !== null) {
        useInProcessSession(null);
        session.close();
      }
      resolve(status);
    };
    const promptAgain = (): void => {
      live?.flush();
      if (!tty) return;
      waiting = true;
      live?.setWaiting(true);
      rl.prompt();
    };
    const pump = async (): Promise<void> => {
      if (pumping || finished) return;
      pumping = true;
      try {
        await drain();
      } finally {
        pumping = false;
      }
    };
    const drain = async (): Promise<void> => {
      while (queue.length > 0) {
        const { text: line, number } = queue.shift() as { text: string; number: number };
        waiting = false;
        live?.setWaiting(false);
        if (opts.echo && !tty) output.write(`${c.bold('vnet>')} ${line}\n`);
        const controller = new AbortController();
        running = controller;
        // A running command keeps the process alive even when nothing else does (a script's stdin has
        // ended and `listen` waits on an in-process session): it ends by itself or by Ctrl-C.
        const keepAlive = setInterval(() => {}, 1 << 30);
        let outcome: Outcome;
        try {
          outcome = await runner.run(line, controller.signal, tty ? undefined : { file: '<stdin>', line: number, dir: process.cwd() });
        } finally {
          clearInterval(keepAlive);
          running = null;
        }
        if (interruptedScript) return finish(130);
        if (outcome === 'exit') return finish(tty ? 0 : Math.min(failures, 1));
        if (outcome === 'failed') {
          failures++;
          if (opts.bail && !tty) return finish(1);
        }
        if (!tty) {
          await new Promise((r) => setImmediate(r)); // let work due now run, so its events print after its command
          live?.flush();
        }
      }
      if (inputEnded) return finish(tty ? 0 : Math.min(failures, 1));
      promptAgain();
    };
    const onInterrupt = (): void => {
      if (running !== null) {
        if (tty) output.write('^C\n');
        running.abort();
        if (!tty) interruptedScript = true; // a script stops at Ctrl-C, with status 130 like a shell's
        return;
      }
      if (!tty) return finish(130);
      if (rl.line.length > 0) {
        output.write('^C\n');
        rl.write(null, { ctrl: true, name: 'e' });
        rl.write(null, { ctrl: true, name: 'u' });
      } else {
        output.write(`\n${c.dim('(press Ctrl-D or type exit to leave)')}\n`);
      }
      rl.prompt();
    };
    const onSignal = (): void => onInterrupt();
    // Destructive commands ask through this line editor (never on a script); Ctrl-C answers no.
    if (tty) {
      useConfirmer((question) => new Promise<boolean>((answer) => {
        const signal = running?.signal ?? new AbortController().signal;
        if (signal.aborted) return answer(false);
        signal.addEventListener('abort', () => answer(false), { once: true });
        rl.question(`${question} [y/N] `, { signal }, (reply) => answer(/^y(es)?$/i.test(reply.trim())));
      }));
    }

    rl.on('line', (line) => {
      history?.add(line);
      queue.push({ text: line, number: ++linesRead });
      void pump();
    });
    rl.on('close', () => {
      inputEnded = true;
      if (tty && running === null && !finished) output.write('\n');
      void pump();
    });
    rl.on('SIGINT', onInterrupt);
    process.on('SIGINT', onSignal);
    promptAgain();
  });
}
