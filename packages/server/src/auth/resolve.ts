import { type AuthMode, markJwtVerifier, type VerifyToken } from '../core/options';
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
  if (settings.verifyToken !== undefined) return { mode: 'custom', verifyToken: settings.verifyToken };
  if (settings.jwtSecret !== undefined && settings.jwtSecret !== '') {
    const options = settings.now === undefined ? {} : { now: settings.now };
    return { mode: 'jwt', verifyToken: markJwtVerifier(createJwtVerifier(settings.jwtSecret, options)) };
  }
  return { mode: 'dev', verifyToken: undefined };
}

export const DEV_MODE_WARNING =
  'DEV MODE: no JWT_SECRET set, so identify may name any user without a token. Never expose this server publicly; set JWT_SECRET.';
