import type { ClientFrameOf } from '@gateway/protocol';
import type { ClientConnection } from '../client-connection';
import { TokenExpiredError } from '../errors';
import type { AuthenticatedUser } from '../options';
import type { Runtime } from '../runtime';

/**
 * In-band token refresh: a fresh token of the same user moves the connection's deadline; anything else is
 * answered `error forbidden` and the old deadline stands (the connection closes 4200 when it comes).
 */
export async function onReauth(
  rt: Runtime,
  connection: ClientConnection,
  frame: ClientFrameOf<'reauth'>,
): Promise<void> {
  const session = connection.session;
  const verify = rt.options.verifyToken;
  if (session === undefined) return;
  if (verify === undefined) {
    // Dev mode: tokens are not checked and never expire.
    rt.ack(connection, {}, frame.ref);
    return;
  }
  let verified: AuthenticatedUser | null;
  try {
    verified = await verify(frame.payload.token);
  } catch (error) {
    const why =
      error instanceof TokenExpiredError ? 'The new token has expired already.' : 'The token was not accepted.';
    refuse(rt, connection, why, frame.ref);
    return;
  }
  if (connection.state === 'closed' || connection.session !== session) return;
  if (verified === null) {
    refuse(rt, connection, 'The token was not accepted.', frame.ref);
    return;
  }
  if (verified.id !== session.user.id) {
    refuse(rt, connection, "The token names another user than the connection's.", frame.ref);
    return;
  }
  rt.authExpiry.set(connection, verified.expires_at);
  const expiresAt = verified.expires_at;
  rt.ack(connection, expiresAt === undefined ? {} : { expires_at: new Date(expiresAt).toISOString() }, frame.ref);
}

function refuse(rt: Runtime, connection: ClientConnection, message: string, ref: string | undefined): void {
  rt.fail(connection, 'forbidden', message, ref);
  rt.options.logger.debug({ connection_id: connection.id, reason: message }, 'reauth refused');
}
