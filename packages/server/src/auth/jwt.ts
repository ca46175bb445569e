import { errors, jwtVerify } from 'jose';
import { TokenExpiredError } from '../core/errors';
import { type AuthenticatedUser, markJwtVerifier, type VerifyToken } from '../core/options';
import { systemClock } from '../core/ports/clock';

export interface JwtVerifierOptions {
  /** Reads the time tokens are checked against; tests pass their fake clock. @default Date.now */
  now?: () => number;
  /** Accepted clock skew in seconds. @default 0 */
  clockToleranceSec?: number;
}

/**
 * HS256 verification with a shared secret (seeds 001 and 002). Only HS256 is accepted, so `none`,
 * HS512 or an RS256 token signed with the secret as a "public key" all fail. The user is `sub`,
 * the display name the `name` claim.
 */
export function createJwtVerifier(secret: string | Uint8Array, options: JwtVerifierOptions = {}): VerifyToken {
  if (secret.length === 0) throw new TypeError('The JWT secret is empty; set JWT_SECRET to a long random string.');
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  const now = options.now ?? systemClock.now;
  // Marked here, where every JWT verifier is made, so a gateway given one reports mode `jwt` however it got it.
  return markJwtVerifier(async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        currentDate: new Date(now()),
        clockTolerance: options.clockToleranceSec ?? 0,
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') return null;
      const name = payload.name;
      const user: AuthenticatedUser =
        typeof name === 'string' && name !== '' ? { id: payload.sub, display_name: name } : { id: payload.sub };
      // The gateway warns before this moment (auth.expiring) and closes 4200 at it unless a reauth moves it.
      if (typeof payload.exp === 'number') user.expires_at = payload.exp * 1000;
      return user;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new TokenExpiredError('The token has expired.', { cause: error });
      return null;
    }
  });
}
