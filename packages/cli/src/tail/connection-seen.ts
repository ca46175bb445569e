import type { ServerPayloads } from '@gateway/client';
import { type Seen, who } from './seen';

/** How the last socket ended, as `ws` told it: the client keeps it to itself. */
export interface SocketEnd {
  readonly code?: number;
  readonly reason?: string;
  /** The socket's error, when there was one (`connect ECONNREFUSED 127.0.0.1:8081`). */
  readonly error?: string;
}

/** `1006`, `4002 going away`, `connect ECONNREFUSED …`, or undefined when nothing is known. */
export function describeEnd(end: SocketEnd): string | undefined {
  if (end.error !== undefined) return end.error;
  if (end.code === undefined) return undefined;
  return end.reason === undefined || end.reason === '' ? `close ${end.code}` : `close ${end.code}: ${end.reason}`;
}

export function connected(url: string, ready: ServerPayloads['ready']): Seen {
  const rooms = ready.subscriptions.map((room) => `#${room}`).join(', ') || 'none';
  const text = `connected to ${url} as ${who(ready.user.id, ready.user.display_name)} (session ${ready.session_id}); rooms: ${rooms}`;
  const { session_id, user, subscriptions, refused } = ready;
  return { event: 'ready', text, data: { url, session_id, user, subscriptions, refused: refused ?? [] } };
}

export function reconnecting(scheduled: { attempt: number; delay_ms: number }, end: SocketEnd): Seen {
  const why = describeEnd(end);
  const text = `connection lost${why === undefined ? '' : ` (${why})`}; reconnecting in ${scheduled.delay_ms} ms`;
  return { event: 'reconnecting', text, data: { ...scheduled, ...end } };
}

export function resumed(payload: ServerPayloads['resumed']): Seen {
  const text = `resumed session ${payload.session_id}: ${payload.replayed} missed event(s) replayed`;
  return { event: 'resumed', text, data: payload };
}

export function reset(payload: { readonly reason: string }): Seen {
  const text = `session reset (${payload.reason}): a new session; events in between may be lost`;
  return { event: 'reset', text, data: payload };
}
