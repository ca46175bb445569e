import { Id } from '@gateway/protocol';
import type { AuthenticatedUser } from './options';

/** A verified user the core may act on: a protocol id, a string name if any, and always a deadline. */
export type AdmittedUser = AuthenticatedUser & { readonly expires_at: number };

export type Admission =
  | { readonly ok: true; readonly user: AdmittedUser }
  /** `ill_formed`: the verifier broke its contract (not a protocol `Id`, a name that is not a string). */
  | { readonly ok: false; readonly refusal: 'ill_formed' | 'expired' };

/**
 * What the core makes of a verifier's answer, JWT or the app's own, before it names a session or sets a
 * deadline. The id must be a protocol `Id` (1–128 UTF-16 units, no lone surrogate), as every id on the wire.
 * The deadline is the token's own (`expires_at`, else `issued_at` + the lifetime) but never later than
 * now + the lifetime: a token without `exp` expires too, and a long-lived one is checked again at least that
 * often. A deadline already past is `expired`.
 */
export function admitVerifiedUser(verified: AuthenticatedUser, now: number, maxTokenLifetimeMs: number): Admission {
  // A JavaScript verifier may return anything (undefined, a bare id): read it as unknown until it is checked.
  const answer: unknown = verified;
  if (typeof answer !== 'object' || answer === null) return { ok: false, refusal: 'ill_formed' };
  const { id, display_name: name, expires_at: expiresAt, issued_at: issuedAt } = answer as Record<string, unknown>;
  if (!Id.safeParse(id).success || (name !== undefined && typeof name !== 'string')) {
    return { ok: false, refusal: 'ill_formed' };
  }
  const latest = now + maxTokenLifetimeMs;
  const issued = finiteTime(issuedAt);
  const own = finiteTime(expiresAt) ?? (issued === undefined ? undefined : issued + maxTokenLifetimeMs);
  const deadline = own === undefined ? latest : Math.min(own, latest);
  if (deadline <= now) return { ok: false, refusal: 'expired' };
  return { ok: true, user: { ...verified, expires_at: deadline } };
}

function finiteTime(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
