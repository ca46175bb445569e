import type { AuthMode } from './resolve';

export interface ModeGuardSettings {
  mode: AuthMode;
  /** NODE_ENV=production. */
  production: boolean;
  /** GATEWAY_DEV_MODE=1 or `allowDevMode: true`: dev mode on purpose, even in production. */
  allowDevMode: boolean;
}

export const DEV_MODE_IN_PRODUCTION_ERROR =
  'Refusing to start in dev mode with NODE_ENV=production: anyone could connect as any user. ' +
  'Set JWT_SECRET (or pass verifyToken), or set GATEWAY_DEV_MODE=1 (option allowDevMode) to run dev mode anyway.';

/**
 * A production build must not fall into dev mode because a secret was forgotten: that would let any
 * client name any user. Throws unless dev mode was asked for explicitly.
 */
export function assertModeAllowed({ mode, production, allowDevMode }: ModeGuardSettings): void {
  if (mode === 'dev' && production && !allowDevMode) throw new Error(DEV_MODE_IN_PRODUCTION_ERROR);
}
