import { type AuthMode, authModeOf, type VerifyToken } from '../core/options';
import { createJwtVerifier } from './jwt';

export interface AuthSettings {
  /** HS256 secret (env JWT_SECRET). */
  jwtSecret?: string | undefined;
  /** Replaces JWT verification altogether. */
  verifyToken?: VerifyToken | undefined;
  now?: () => number;
}

export type { AuthMode };

/**
 * Picks how identify is authenticated: a custom verifier wins, then a JWT secret; with neither the
 * gateway runs in dev mode, where identify names its own user (the caller warns about it).
 */
export function resolveAuth(settings: AuthSettings): { mode: AuthMode; verifyToken: VerifyToken | undefined } {
  const verifyToken = settings.verifyToken ?? verifierFromSecret(settings);
  return { mode: authModeOf(verifyToken), verifyToken };
}

function verifierFromSecret({ jwtSecret, now }: AuthSettings): VerifyToken | undefined {
  if (jwtSecret === undefined || jwtSecret === '') return undefined;
  return createJwtVerifier(jwtSecret, now === undefined ? {} : { now });
}

export const DEV_MODE_WARNING =
  'DEV MODE: no JWT_SECRET set, so identify may name any user without a token. Never expose this server publicly; set JWT_SECRET.';
