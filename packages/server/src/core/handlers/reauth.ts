import type { ClientFrameOf } from '@gateway/protocol';
import type { ClientConnection } from '../client-connection';
import { TokenExpiredError } from '../errors';
import type { AuthenticatedUser } from '../options';
import type { Parts } from '../parts';
import { admitVerifiedUser } from '../verified-user';
import { warnIllFormedUser } from './authenticate';

/**
 * In-band token refresh: a fresh token of the same user moves the connection's deadline; anything else is
 * answered `error forbidden` and the old deadline stands (the connection closes 4200 when it comes). A token
 * without `exp` moves it too, to its capped lifetime as on identify: no reauth leaves a connection without one.
 */
export async function onReauth(
  rt: Pick<Parts, 'registry' | 'options' | 'replies' | 'authExpiry'>,
  connection: ClientConnection,
  frame: ClientFrameOf<'reauth'>,
): Promise<void> {
  const session = rt.registry.sessionOf(connection);
  const verify = rt.options.verifyToken;
  if (session === undefined) return;
  if (verify === undefined) {
    // Dev mode: tokens are not checked and never expire.
    rt.replies.ack(connection, {}, frame.ref);
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
  if (connection.state === 'closed' || rt.registry.sessionOf(connection) !== session) return;
  if (verified === null) {
    refuse(rt, connection, 'The token was not accepted.', frame.ref);
    return;
  }
  const admission = admitVerifiedUser(verified, rt.options.clock.now(), rt.options.maxTokenLifetimeMs);
  if (!admission.ok) {
    if (admission.refusal === 'ill_formed') warnIllFormedUser(rt.options, connection, verified);
    const why = admission.refusal === 'expired' ? 'The new token has expired already.' : 'The token was not accepted.';
    refuse(rt, connection, why, frame.ref);
    return;
  }
  const { user } = admission;
  if (user.id !== session.user.id) {
    refuse(rt, connection, "The token names another user than the connection's.", frame.ref);
    return;
  }
  rt.authExpiry.set(connection, user.expires_at);
  rt.replies.ack(connection, { expires_at: new Date(user.expires_at).toISOString() }, frame.ref);
}

function refuse(
  rt: Pick<Parts, 'replies' | 'options'>,
  connection: ClientConnection,
  message: string,
  ref: string | undefined,
): void {
  rt.replies.fail(connection, 'forbidden', message, ref);
  rt.options.logger.debug({ connection_id: connection.id, reason: message }, 'reauth refused');
}
