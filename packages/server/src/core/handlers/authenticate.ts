import type { ClientConnection } from '../client-connection';
import { TokenExpiredError } from '../errors';
import type { AuthenticatedUser, VerifyToken } from '../options';
import type { Parts } from '../parts';

/**
 * Verifies an identify or resume token. On failure the connection gets goodbye and is closed: 4401
 * for a missing, forged or unknown token, 4200 for an expired one. Returns undefined then.
 */
export async function verifyClientToken(
  { lifecycle, options }: Pick<Parts, 'lifecycle' | 'options'>,
  connection: ClientConnection,
  verify: VerifyToken,
  token: string | undefined,
  action: 'identify' | 'resume',
): Promise<AuthenticatedUser | undefined> {
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
    return verified;
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
