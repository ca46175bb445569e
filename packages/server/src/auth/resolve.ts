import { type AuthMode, authModeOf, type VerifyToken } from '../core/options';
import { createJwtVerifier, type JwtVerifierOptions } from './jwt';

export interface AuthSettings {
  /** HS256 secret (env JWT_SECRET). */
  jwtSecret?: string | undefined;
  /**
   * With `jwtSecret`: the accepted `aud` values (env JWT_AUDIENCE); a token without the claim or naming
   * another audience is refused (4401). @default no check
   */
  jwtAudience?: string | readonly string[] | undefined;
  /** With `jwtSecret`: the accepted `iss` values (env JWT_ISSUER), as `jwtAudience`. @default no check */
  jwtIssuer?: string | readonly string[] | undefined;
  /** Replaces JWT verification altogether. */
  verifyToken?: VerifyToken | undefined;
  now?: () => number;
}

export type { AuthMode };

/**
 * Picks how identify is authenticated: a custom verifier wins, then a JWT secret; with neither the
 * gateway runs in dev mode, where identify names its own user (the caller warns about it). Audience and
 * issuer checks belong to the JWT verifier: given beside a custom one, which would not make them, they
 * throw rather than let a deployment believe its tokens are checked.
 */
export function resolveAuth(settings: AuthSettings): { mode: AuthMode; verifyToken: VerifyToken | undefined } {
  if (settings.verifyToken !== undefined && (settings.jwtAudience !== undefined || settings.jwtIssuer !== undefined)) {
    throw new TypeError(
      'jwtAudience and jwtIssuer (JWT_AUDIENCE, JWT_ISSUER) apply to the JWT_SECRET verifier only; a custom verifyToken must check aud and iss itself.',
    );
  }
  const verifyToken = settings.verifyToken ?? verifierFromSecret(settings);
  return { mode: authModeOf(verifyToken), verifyToken };
}

function verifierFromSecret({ jwtSecret, jwtAudience, jwtIssuer, now }: AuthSettings): VerifyToken | undefined {
  if (jwtSecret === undefined || jwtSecret === '') return undefined;
  const options: JwtVerifierOptions = {};
  if (now !== undefined) options.now = now;
  if (jwtAudience !== undefined) options.audience = jwtAudience;
  if (jwtIssuer !== undefined) options.issuer = jwtIssuer;
  return createJwtVerifier(jwtSecret, options);
}

export const DEV_MODE_WARNING =
  'DEV MODE: no JWT_SECRET set, so identify may name any user without a token. Never expose this server publicly; set JWT_SECRET.';
