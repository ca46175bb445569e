import { Id } from '@gateway/protocol';
import { errors, jwtVerify } from 'jose';
import { TokenExpiredError } from '../core/errors';
import { type AuthenticatedUser, markJwtVerifier, type VerifyToken } from '../core/options';
import { systemClock } from '../core/ports/clock';

export interface JwtVerifierOptions {
  /** Reads the time tokens are checked against; tests pass their fake clock. @default Date.now */
  now?: () => number;
  /** Accepted clock skew in seconds. @default 0 */
  clockToleranceSec?: number;
  /**
   * Accepted `aud` values: a token must carry the claim and name one of them (a token minted for another
   * service is refused, close 4401). @default no check
   */
  audience?: string | readonly string[];
  /** Accepted `iss` values: a token must carry the claim and be one of them. @default no check */
  issuer?: string | readonly string[];
}

/**
 * HS256 verification with a shared secret (seeds 001 and 002). Only HS256 is accepted, so `none`,
 * HS512 or an RS256 token signed with the secret as a "public key" all fail. The user is `sub`, which must
 * be a protocol `Id` (1–128 UTF-16 units, no lone surrogate); the display name is the `name` claim and
 * nothing else. `exp` and `iat` become `expires_at` and `issued_at`; the gateway caps the deadline with
 * `maxTokenLifetimeMs`, so a token without `exp` expires too.
 */
export function createJwtVerifier(secret: string | Uint8Array, options: JwtVerifierOptions = {}): VerifyToken {
  if (secret.length === 0) throw new TypeError('The JWT secret is empty; set JWT_SECRET to a long random string.');
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  const now = options.now ?? systemClock.now;
  const audience = acceptedValues('audience', options.audience);
  const issuer = acceptedValues('issuer', options.issuer);
  // Marked here, where every JWT verifier is made, so a gateway given one reports mode `jwt` however it got it.
  return markJwtVerifier(async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        currentDate: new Date(now()),
        clockTolerance: options.clockToleranceSec ?? 0,
        ...(audience === undefined ? {} : { audience }),
        ...(issuer === undefined ? {} : { issuer }),
      });
      // Refused like a forged token: a 5,000-character or ill-formed id would otherwise name a user.
      if (typeof payload.sub !== 'string' || !Id.safeParse(payload.sub).success) return null;
      const user: AuthenticatedUser = { id: payload.sub };
      const name = payload.name;
      if (typeof name === 'string' && name !== '') user.display_name = name;
      // The gateway warns before this moment (auth.expiring) and closes 4200 at it unless a reauth moves it.
      if (typeof payload.exp === 'number') user.expires_at = payload.exp * 1000;
      if (typeof payload.iat === 'number') user.issued_at = payload.iat * 1000;
      return user;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new TokenExpiredError('The token has expired.', { cause: error });
      return null;
    }
  });
}

/** A list for jose, or undefined for no check; an empty one is a mistake that would refuse every token. */
function acceptedValues(claim: 'audience' | 'issuer', value: string | readonly string[] | undefined) {
  if (value === undefined) return undefined;
  const values = typeof value === 'string' ? [value] : [...value];
  if (values.length === 0 || values.some((one) => typeof one !== 'string' || one === '')) {
    throw new TypeError(`The accepted JWT ${claim} is empty; name at least one, or leave it unset for no check.`);
  }
  return values;
}
