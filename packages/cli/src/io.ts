import type { Clock } from '@gateway/client';
import type WebSocket from 'ws';

/**
 * What a command may touch of the outside world, passed in so tests run commands in-process: the bin
 * (`gateway.ts`) hands over the process's, a test its own writers, environment, clock and abort signal.
 */
export interface Io {
  /** Where results go (messages, tokens, the server's answers); each call is whole lines. */
  readonly stdout: (text: string) => void;
  /** Where usage, warnings and errors go. */
  readonly stderr: (text: string) => void;
  /** The environment variables (`GATEWAY_TOKEN`, `JWT_SECRET`, …). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted when the user asks to stop (Ctrl+C, SIGTERM): `tail` closes its connection cleanly and returns 0. */
  readonly signal?: AbortSignal;
  /** Time of the printed lines and of minted tokens, and the client's timers. @default Date.now and the global timers */
  readonly clock?: Clock;
  /** Random source of the client's reconnect jitter. @default Math.random */
  readonly random?: () => number;
  /** The WebSocket the client opens (a test's subclass can watch its sockets). @default `ws` */
  readonly WebSocket?: typeof WebSocket;
  /** HTTP for `publish`. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Exit codes: done, failed (the reason is on stderr), or the command line was wrong (usage on stderr). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The time now, in ms, on the injected clock or the real one. */
export function nowOf(io: Io): number {
  return io.clock?.now() ?? Date.now();
}
