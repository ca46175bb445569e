import type { ServerFrameType } from './unions';

/**
 * Server frames that carry no `seq` and are never replayed: the connection's own control frames,
 * replies to requests, and ephemeral state (typing). Every other server frame is a dispatch.
 */
export const UNSEQUENCED_SERVER_TYPES = [
  'hello',
  'ready',
  'resumed',
  'invalid_session',
  'reconnect',
  'goodbye',
  'auth.expiring',
  'heartbeat',
  'heartbeat_ack',
  'ack',
  'error',
  'subscribed',
  'unsubscribed',
  'typing.start',
  'typing.stop',
] as const satisfies readonly ServerFrameType[];

export type UnsequencedServerType = (typeof UNSEQUENCED_SERVER_TYPES)[number];
export type DispatchType = Exclude<ServerFrameType, UnsequencedServerType>;

const unsequenced: ReadonlySet<string> = new Set(UNSEQUENCED_SERVER_TYPES);

/** True for server frame types that carry a seq and go into the replay buffer. Custom types decide for themselves. */
export function isDispatchType(type: string): boolean {
  return !unsequenced.has(type);
}

/** Replies a request's `ref` is settled by. */
export const REPLY_TYPES = ['ack', 'error', 'subscribed', 'unsubscribed'] as const satisfies readonly ServerFrameType[];

/**
 * A dispatch serialised once for all its recipients. Only the seq differs between sessions, so it is
 * spliced in front of the shared body instead of serialising the payload again for each one.
 */
export interface PreparedDispatch {
  readonly type: string;
  /** The serialised frame without its opening brace: `"type":"…","payload":{…}}`. */
  readonly body: string;
}

export function prepareDispatch(type: string, payload: unknown): PreparedDispatch {
  return { type, body: JSON.stringify({ type, payload }).slice(1) };
}

/** What goes in front of a prepared body to make the dispatch `seq`: `{"seq":<seq>,`. */
export function seqPrefix(seq: number): string {
  return `{"seq":${seq},`;
}

export function sequenceDispatch(prepared: PreparedDispatch, seq: number): string {
  return seqPrefix(seq) + prepared.body;
}

/** The payload a prepared body carries, parsed back (the body is the frame without its opening brace). */
export function parsePreparedPayload(prepared: Pick<PreparedDispatch, 'body'>): unknown {
  return (JSON.parse(`{${prepared.body}`) as { payload?: unknown }).payload;
}
