import type { AuthMode } from './resolve';

export interface ModeGuardSettings {
  mode: AuthMode;
  /** NODE_ENV names production (`isProductionEnv`). */
  production: boolean;
  /** GATEWAY_DEV_MODE=1 or `allowDevMode: true`: dev mode on purpose, even in production. */
  allowDevMode: boolean;
}

export const DEV_MODE_IN_PRODUCTION_ERROR =
  'Refusing to start in dev mode with NODE_ENV=production: anyone could connect as any user. ' +
  'Set JWT_SECRET (or pass verifyToken), or set GATEWAY_DEV_MODE=1 (option allowDevMode) to run dev mode anyway.';

/**
 * Whether `NODE_ENV` names production: trimmed and without regard to case, so `Production` or
 * `PRODUCTION ` (a stray space in a unit file) cannot start a production server in dev mode unnoticed.
 */
export function isProductionEnv(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'production';
}

/**
 * A production build must not fall into dev mode because a secret was forgotten: that would let any
 * client name any user. Throws unless dev mode was asked for explicitly.
 */
export function assertModeAllowed({ mode, production, allowDevMode }: ModeGuardSettings): void {
  if (mode === 'dev' && production && !allowDevMode) throw new Error(DEV_MODE_IN_PRODUCTION_ERROR);
}
