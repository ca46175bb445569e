import type { ErrorCode, User } from '@gateway/protocol';
import type { ClientConnection } from '../client-connection';
import type { Runtime } from '../runtime';

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
  rt: Runtime,
  handlers: ReadonlyMap<string, StoredHandler>,
  connection: ClientConnection,
  frame: { type: string; payload?: unknown; ref?: string | undefined },
): Promise<void> {
  const session = connection.session;
  if (session === undefined) return;
  const user = session.user;
  const handler = handlers.get(frame.type);
  if (handler === undefined) {
    rt.reject(connection, 'unknown_type', `No handler for "${frame.type}" on this server.`, frame.ref);
    return;
  }
  const context = {
    session_id: session.id,
    user,
    device_id: session.deviceId,
    send: (type: string, payload: unknown) => rt.toSession(session, type, payload),
  };
  let reply: unknown;
  try {
    reply = await handler(context, frame.payload);
  } catch (error) {
    rt.options.logger.error({ err: error, type: frame.type, session_id: session.id }, 'event handler threw');
    const code: ErrorCode = 'handler_failed';
    rt.fail(session, code, `The handler for "${frame.type}" failed.`, frame.ref);
    return;
  }
  if (isEvent(reply)) rt.toSession(session, reply.type, reply.payload);
  if (frame.ref !== undefined) rt.ack(session, {}, frame.ref);
}

function isEvent(value: unknown): value is { type: string; payload: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
