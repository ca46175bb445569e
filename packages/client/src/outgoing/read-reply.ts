import { readAckResult, type ServerPayloads } from '@gateway/protocol';
import { GatewayClientError } from '../errors';
import type { Reply } from './frame';

/** What the server's `error` frame says, as the error the app gets: its code, message, details and retry hint. */
export const serverError = ({ code, message, details, retry_after_ms }: ServerPayloads['error']): GatewayClientError =>
  new GatewayClientError(code, message, { details, retryAfterMs: retry_after_ms });

/** What a reply settles its request with: the value it resolves with, or the error it rejects with. */
export type ReplyOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: GatewayClientError };

/**
 * Reads the reply to a request of type `type`: an `error` frame becomes its code and details, a `subscribed`
 * that refused any room becomes `subscribe_refused` (its payload as details), an ack is checked against the ack
 * result schema of that type (when the protocol has one), any other reply is its payload.
 */
export function readReply(type: string, reply: Reply): ReplyOutcome {
  if (reply.type === 'error') return { ok: false, error: serverError(reply.payload) };
  if (reply.type === 'subscribed' && reply.payload.refused.length > 0) {
    const { refused } = reply.payload;
    const rooms = refused.map((room) => `"${room.room_id}" (${room.code}: ${room.message})`).join(', ');
    const message = `The server refused to subscribe to ${rooms}.`;
    return { ok: false, error: new GatewayClientError('subscribe_refused', message, { details: reply.payload }) };
  }
  const read = reply.type === 'ack' ? readAckResult(type, reply.payload) : undefined;
  if (read === undefined) return { ok: true, result: reply.payload };
  if (read.ok) return { ok: true, result: read.result };
  return { ok: false, error: new GatewayClientError('invalid_frame', `The ack to "${type}" has the wrong shape.`) };
}
