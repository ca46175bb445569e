import type { Clock } from '@gateway/client';
import type WebSocket from 'ws';
import type { ExitCode, Io } from '../../src/io';
import { run } from '../../src/run';
import { afterTest } from './gateway';

export interface TestIo {
  readonly io: Io;
  /** Everything written to stdout / stderr so far, joined. */
  stdout(): string;
  stderr(): string;
  /** stdout's complete lines so far. */
  lines(): string[];
  /**
   * Resolves with the first stdout line (not returned before) that `match` accepts; rejects after `timeoutMs`,
   * or as soon as the command has exited without writing it.
   */
  nextLine(match: (line: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  /** Tells the waiters that the command has exited with `code`. */
  exited(code: number): void;
  /** Ctrl+C. */
  interrupt(): void;
}

export interface TestIoOptions {
  env?: Record<string, string | undefined>;
  clock?: Clock;
  WebSocket?: typeof WebSocket;
}

/** An `Io` that records what a command writes and wakes waiters on each write: no polling, no sleeping. */
export function testIo(options: TestIoOptions = {}): TestIo {
  let out = '';
  let err = '';
  const returned = new Set<number>();
  const waiters = new Set<() => void>();
  const controller = new AbortController();
  let exitCode: number | undefined;
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const lines = () => out.split('\n').slice(0, -1);
  const io: Io = {
    stdout: (text) => {
      out += text;
      wake();
    },
    stderr: (text) => {
      err += text;
      wake();
    },
    env: options.env ?? {},
    signal: controller.signal,
    // Reconnects wait exactly the shortest delay, so a test that advances the clock knows by how much.
    random: () => 0,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.WebSocket === undefined ? {} : { WebSocket: options.WebSocket }),
  };

  function nextLine(match: (line: string) => boolean, what: string, timeoutMs = 3000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const index = lines().findIndex((line, i) => !returned.has(i) && match(line));
        if (index === -1) {
          if (exitCode === undefined) return;
          finish();
          reject(new Error(`The command exited (${exitCode}) without a line with ${what}.\nstderr:\n${err}`));
          return;
        }
        returned.add(index);
        finish();
        resolve(lines()[index] ?? '');
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`No line with ${what} within ${timeoutMs} ms.\nstdout:\n${out}\nstderr:\n${err}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  return {
    io,
    stdout: () => out,
    stderr: () => err,
    lines,
    nextLine,
    interrupt: () => controller.abort(),
    exited: (code) => {
      exitCode = code;
      wake();
    },
  };
}

/**
 * Starts a command that runs until stopped (`tail`) and resolves with its exit code; after the test it is
 * interrupted and awaited, before the servers it talks to close.
 */
export function runUntilStopped(argv: readonly string[], t: TestIo): Promise<ExitCode> {
  const exit = run(argv, t.io);
  void exit.then((code) => t.exited(code));
  afterTest(async () => {
    t.interrupt();
    await exit;
  });
  return exit;
}
