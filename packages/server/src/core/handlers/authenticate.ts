import type { ClientConnection } from '../client-connection';
import { TokenExpiredError } from '../errors';
import type { AuthenticatedUser, ResolvedOptions, VerifyToken } from '../options';
import type { Parts } from '../parts';
import { type AdmittedUser, admitVerifiedUser } from '../verified-user';

/**
 * Verifies an identify or resume token. On failure the connection gets goodbye and is closed: 4401
 * for a missing, forged or unknown token or an ill-formed user, 4200 for an expired one. Returns undefined
 * then. The user returned always has a deadline, at most `maxTokenLifetimeMs` away (`admitVerifiedUser`).
 */
export async function verifyClientToken(
  { lifecycle, options }: Pick<Parts, 'lifecycle' | 'options'>,
  connection: ClientConnection,
  verify: VerifyToken,
  token: string | undefined,
  action: 'identify' | 'resume',
): Promise<AdmittedUser | undefined> {
  if (token === undefined || token === '') {
    lifecycle.close(connection, 'authentication_failed', `A token is required to ${action}.`);
    return undefined;
  }
  try {
    const verified = await verify(token);
    if (verified === null) {
      lifecycle.close(connection, 'authentication_failed', 'The token was not accepted.');
      return undefined;
    }
    const admission = admitVerifiedUser(verified, options.clock.now(), options.maxTokenLifetimeMs);
    if (admission.ok) return admission.user;
    if (admission.refusal === 'expired') {
      lifecycle.close(connection, 'token_expired', `The token has expired; ${action} with a fresh one.`);
    } else {
      warnIllFormedUser(options, connection, verified);
      lifecycle.close(connection, 'authentication_failed', 'The token was not accepted.');
    }
    return undefined;
  } catch (error) {
    if (error instanceof TokenExpiredError) {
      lifecycle.close(connection, 'token_expired', `The token has expired; ${action} with a fresh one.`);
    } else {
      options.logger.debug({ err: error, connection_id: connection.id }, 'token rejected');
      lifecycle.close(connection, 'authentication_failed', 'The token was not accepted.');
    }
    return undefined;
  }
}

/**
 * A verifier that accepts a token yet names no usable user is a bug of the app's (the JWT verifier refuses
 * such a `sub` itself): worth a warning, though the client only sees its token refused. The id itself may
 * be thousands of characters, so only its shape is logged.
 */
export function warnIllFormedUser(
  options: Pick<ResolvedOptions, 'logger'>,
  connection: ClientConnection,
  verified: AuthenticatedUser,
): void {
  const id: unknown = (verified as Partial<AuthenticatedUser> | undefined)?.id;
  options.logger.warn(
    {
      connection_id: connection.id,
      id_type: typeof id,
      id_length: typeof id === 'string' ? id.length : undefined,
    },
    'verifyToken returned an ill-formed user (the id must be 1-128 UTF-16 units without a lone surrogate, display_name a string): token refused',
  );
}
