// Runs vnet commands in this process, as the REPL does (config.runCommand on an in-process session), and
// records what they print and their exit code.
import { Config } from '@oclif/core';
import { useCommandContext, useInProcessSession } from '../../src/cli/base.js';
import { Session } from '../../src/session/session.js';

export interface InProcessResult {
  /** The exit code the command ended with (0 when it returned), or null when it threw past its own catch. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** What escaped the command, if anything did (a bug: every failure should end in an exit code). */
  thrown?: Error;
}

/** Commands on one virtual-clock session held in this process; `close()` ends it. */
export class InProcessCli {
  readonly session: Session;

  private constructor(readonly config: Config, seed: number) {
    this.session = new Session({ clock: 'virtual', seed });
    useInProcessSession(this.session);
  }

  static async load(root: string, seed = 1): Promise<InProcessCli> {
    return new InProcessCli(await Config.load(root), seed);
  }

  /**
   * Runs command `id` ("router:add") with `argv`. A command that streams until interrupted (listen, send
   * --wait) is interrupted after `interruptMs` of wall time, as Ctrl-C would.
   */
  async run(id: string, argv: string[], interruptMs = 250): Promise<InProcessResult> {
    const out: string[] = [];
    const err: string[] = [];
    const write = { out: process.stdout.write, err: process.stderr.write };
    const exitCodeBefore = process.exitCode;
    // Commands print strings; the test runner's own reports to its parent (bytes) must pass through.
    process.stdout.write = ((s: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof s === 'string') return (out.push(s), true);
      return (write.out as (...a: unknown[]) => boolean).call(process.stdout, s, ...rest);
    }) as typeof process.stdout.write;
    process.stderr.write = ((s: string | Uint8Array) => (err.push(String(s)), true)) as typeof process.stderr.write;
    const interrupt = new AbortController();
    const timer = setTimeout(() => interrupt.abort(), interruptMs);
    useCommandContext({ interrupt: interrupt.signal });
    let code: number | null = 0;
    let thrown: Error | undefined;
    try {
      await this.config.runCommand(id, argv);
    } catch (e) {
      const x = e as Error & { code?: string; oclif?: { exit?: number } };
      if (x.code === 'EEXIT') code = x.oclif?.exit ?? 0;
      else [code, thrown] = [null, x];
    } finally {
      clearTimeout(timer);
      useCommandContext(null);
      process.stdout.write = write.out;
      process.stderr.write = write.err;
      process.exitCode = exitCodeBefore;
    }
    return { code, stdout: out.join(''), stderr: err.join(''), thrown };
  }

  close(): void {
    useInProcessSession(null);
    this.session.close();
  }
}
