import { DisplayName, Id } from '@gateway/protocol';
import { parseDuration, showDuration } from './duration';

/** The server's default `MAX_TOKEN_LIFETIME_MS`: no token keeps a connection longer (24 h). */
export const DEFAULT_MAX_LIFETIME_MS = 86_400_000;
export const DEFAULT_TTL = '1h';

export interface TokenRequest {
  readonly sub: string | undefined;
  readonly name: string | undefined;
  readonly ttl: string | undefined;
  readonly audience: string | undefined;
  readonly issuer: string | undefined;
  readonly secret: string | undefined;
}

/** What the server verifies (packages/server/src/auth/jwt.ts): `sub`, `name`, `iat`, `exp`, `aud`, `iss`. */
export interface Claims {
  readonly sub: string;
  readonly name?: string;
  readonly iat: number;
  readonly exp: number;
  readonly aud?: string;
  readonly iss?: string;
}

export type TokenPlan =
  | { readonly ok: true; readonly claims: Claims; readonly secret: string }
  | { readonly ok: false; readonly problem: string };

/** The first of a comma-separated list, as the server reads JWT_AUDIENCE and JWT_ISSUER. */
export function firstOf(list: string | undefined): string | undefined {
  return list
    ?.split(',')
    .map((value) => value.trim())
    .find((value) => value !== '');
}

/** The server's limit: MAX_TOKEN_LIFETIME_MS when set to a whole number of ms (≥ 1000), else 24 h. */
export function maxLifetimeMs(setting: string | undefined): number {
  const ms = Number(setting?.trim() || Number.NaN);
  return Number.isInteger(ms) && ms >= 1000 ? ms : DEFAULT_MAX_LIFETIME_MS;
}

/** Checks a request against what the server accepts, and plans the claims; signing is the caller's. */
export function planToken(request: TokenRequest, nowMs: number, maxMs: number): TokenPlan {
  const { sub, name, audience, issuer, secret } = request;
  if (sub === undefined) return { ok: false, problem: '--sub is required: the user id the token names' };
  if (!Id.safeParse(sub).success) {
    return { ok: false, problem: '--sub must be a user id: 1 to 128 characters, no lone surrogate' };
  }
  if (name !== undefined && (name === '' || !DisplayName.safeParse(name).success)) {
    return { ok: false, problem: '--name must be 1 to 64 characters' };
  }
  const ttlText = request.ttl ?? DEFAULT_TTL;
  const ttlMs = parseDuration(ttlText);
  if (ttlMs === undefined || ttlMs < 1000) {
    return { ok: false, problem: `--ttl must be a duration of at least 1s, like 90s, 30m, 1h or 1d; got "${ttlText}"` };
  }
  if (ttlMs > maxMs) {
    const most = showDuration(maxMs);
    const problem = `--ttl ${ttlText} is longer than the server keeps a connection on one token (MAX_TOKEN_LIFETIME_MS, ${most}): pass a shorter one`;
    return { ok: false, problem };
  }
  if (secret === undefined) return { ok: false, problem: "no secret: set JWT_SECRET (the server's) or pass --secret" };
  if (audience === '' || issuer === '') return { ok: false, problem: '--audience and --issuer cannot be empty' };
  const iat = Math.floor(nowMs / 1000);
  const claims: Claims = {
    sub,
    ...(name === undefined ? {} : { name }),
    iat,
    exp: iat + Math.ceil(ttlMs / 1000),
    ...(audience === undefined ? {} : { aud: audience }),
    ...(issuer === undefined ? {} : { iss: issuer }),
  };
  return { ok: true, claims, secret };
}
