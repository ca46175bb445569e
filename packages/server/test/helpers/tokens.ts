import { SignJWT } from 'jose';

export const SECRET = 'test-secret-that-is-long-enough-for-hs256';
const key = new TextEncoder().encode(SECRET);

/** An HS256 token for `sub`, issued at `nowMs` (the test's clock) and expiring `ttlMs` later. */
export function tokenFor(sub: string, nowMs: number, ttlMs: number): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({ sub })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(now)
    .setExpirationTime(now + Math.floor(ttlMs / 1000))
    .sign(key);
}
