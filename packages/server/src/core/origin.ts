/** `https://Example.com/` and `https://example.com` name the same origin. */
function normalize(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, '');
}

/**
 * Browser connections carry `Origin`; a page on another site must not ride a user's cookies or tokens
 * into the gateway. Without an allow-list every origin passes; without an `Origin` header (bots,
 * servers, native apps, which cannot be stopped this way anyway) the connection passes too.
 */
export function createOriginCheck(allowed: readonly string[] | undefined): (origin: string | undefined) => boolean {
  if (allowed === undefined) return () => true;
  const list = new Set(allowed.map(normalize));
  return (origin) => origin === undefined || list.has(normalize(origin));
}
