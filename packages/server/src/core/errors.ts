/** Thrown by a token verifier for a token that was valid but has expired: the client refreshes it (close 4200). */
export class TokenExpiredError extends Error {
  override readonly name = 'TokenExpiredError';
  readonly code = 'token_expired';
}
