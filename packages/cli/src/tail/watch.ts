import { createClient } from '@gateway/client';
import Ws from 'ws';
import { EXIT, type ExitCode, type Io } from '../io';
import { connected, describeEnd, reconnecting, reset, resumed, type SocketEnd } from './connection-seen';
import type { TailOutput } from './output';
import { printRoomEvents } from './room-events';
import { watchedWebSocket } from './watched-socket';

export interface TailTarget {
  readonly url: string;
  readonly rooms: readonly string[];
  readonly token?: string | undefined;
  /** Dev mode: the user to be, and its name. */
  readonly userId?: string | undefined;
  readonly displayName?: string | undefined;
  /** Appear in the rooms' presence; otherwise the session is invisible. */
  readonly visible: boolean;
}

/**
 * Connects, subscribes and prints until the user stops it (exit 0, after a clean close) or it cannot go on
 * (exit 1, the reason on stderr): the first connection fails, no room is granted, or the server closes for
 * good. Lost connections after the first `ready` are the client's to resume, and are printed as they go.
 */
export function watchRooms(target: TailTarget, io: Io, out: TailOutput): Promise<ExitCode> {
  return new Promise((resolve) => {
    if (io.signal?.aborted === true) {
      resolve(EXIT.ok);
      return;
    }
    let lastEnd: SocketEnd = {};
    let everReady = false;
    let ended = false;
    const client = createClient({
      url: target.url,
      token: target.token,
      ...(target.userId === undefined ? {} : { userId: target.userId }),
      ...(target.displayName === undefined ? {} : { displayName: target.displayName }),
      deviceType: 'other',
      rooms: target.rooms,
      presence: { status: target.visible ? 'online' : 'invisible' },
      WebSocket: watchedWebSocket(io.WebSocket ?? Ws, (end) => {
        lastEnd = end;
      }),
      ...(io.clock === undefined ? {} : { clock: io.clock }),
      ...(io.random === undefined ? {} : { random: io.random }),
      autoConnect: false,
    });
    const end = (code: ExitCode, problem?: string) => {
      if (ended) return;
      ended = true;
      io.signal?.removeEventListener('abort', stop);
      if (problem !== undefined) out.problem(problem);
      client.close();
      resolve(code);
    };
    const stop = () => end(EXIT.ok);

    // Errors before the first `ready` wait until it is known whether they were fatal to the start or passing.
    const early: string[] = [];
    const flushEarly = () => {
      for (const problem of early.splice(0)) out.problem(problem);
    };
    client.on('ready', (ready) => {
      everReady = true;
      flushEarly();
      out.seen(connected(target.url, ready));
      for (const room of ready.refused ?? []) out.problem(`refused #${room.room_id}: ${room.code}: ${room.message}`);
      if (ready.subscriptions.length === 0) end(EXIT.failed, 'no room was granted; nothing to tail');
    });
    client.on('resumed', (payload) => out.seen(resumed(payload)));
    client.on('reset', (payload) => out.seen(reset(payload)));
    client.on('reconnecting', (scheduled) => {
      if (everReady) {
        out.seen(reconnecting(scheduled, lastEnd));
        return;
      }
      // The first connection failed: the client's own error says why when it gave one, else the socket's end.
      if (early.length === 0) early.push(`cannot connect to ${target.url}: ${describeEnd(lastEnd) ?? 'no answer'}`);
      flushEarly();
      end(EXIT.failed);
    });
    client.on('error', (error) => {
      // A fatal close or a socket that cannot be made: the client has closed itself (just before this event).
      if (client.state === 'closed') end(EXIT.failed, error.message);
      else if (everReady) out.problem(`${error.code}: ${error.message}`);
      else early.push(`${error.code}: ${error.message}`);
    });
    client.on('state', ({ to }) => {
      // Any other way the client could close; the error above, emitted right after, names the reason first.
      if (to === 'closed') queueMicrotask(() => end(EXIT.failed, 'the connection closed'));
    });
    printRoomEvents(client, out);

    io.signal?.addEventListener('abort', stop, { once: true });
    client.connect();
  });
}
