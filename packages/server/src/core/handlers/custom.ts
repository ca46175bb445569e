import type { ErrorCode, User } from '@gateway/protocol';
import type { ClientConnection } from '../client-connection';
import type { Parts } from '../parts';

/** The untyped shape handlers are stored in; `gateway.handle` checks the types at registration. */
export type StoredHandler = (
  context: {
    session_id: string;
    user: User;
    device_id: string;
    send(type: string, payload: unknown): void;
  },
  payload: unknown,
) => unknown;

/** Runs the application's handler for a custom event; an event it returns goes back to the sender. */
export async function onCustomEvent(
  rt: Pick<Parts, 'registry' | 'replies' | 'delivery' | 'options'>,
  handlers: ReadonlyMap<string, StoredHandler>,
  connection: ClientConnection,
  frame: { type: string; payload?: unknown; ref?: string | undefined },
): Promise<void> {
  const session = rt.registry.sessionOf(connection);
  if (session === undefined) return;
  const user = session.user;
  const handler = handlers.get(frame.type);
  if (handler === undefined) {
    rt.replies.reject(connection, 'unknown_type', `No handler for "${frame.type}" on this server.`, frame.ref);
    return;
  }
  const context = {
    session_id: session.id,
    user,
    device_id: session.deviceId,
    send: (type: string, payload: unknown) => rt.delivery.toSession(session, type, payload),
  };
  let reply: unknown;
  try {
    reply = await handler(context, frame.payload);
  } catch (error) {
    rt.options.logger.error({ err: error, type: frame.type, session_id: session.id }, 'event handler threw');
    const code: ErrorCode = 'handler_failed';
    rt.replies.fail(session, code, `The handler for "${frame.type}" failed.`, frame.ref);
    return;
  }
  if (isEvent(reply)) rt.delivery.toSession(session, reply.type, reply.payload);
  if (frame.ref !== undefined) rt.replies.ack(session, {}, frame.ref);
}

function isEvent(value: unknown): value is { type: string; payload: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
