import { createHash, timingSafeEqual } from 'node:crypto';

/** Hashing first makes the comparison constant-time whatever the lengths. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Whether an `Authorization` header is `Bearer <key>` for one of `keys`, compared in constant time. Every key
 * is compared, so the time does not tell which one (or whether an earlier one) matched.
 */
export function bearerCheck(keys: readonly string[]): (authorization: string | undefined) => boolean {
  const expected = keys.map((key) => digest(`Bearer ${key}`));
  return (authorization) => {
    const given = digest(authorization ?? '');
    let matched = false;
    for (const candidate of expected) matched = timingSafeEqual(given, candidate) || matched;
    return matched;
  };
}
