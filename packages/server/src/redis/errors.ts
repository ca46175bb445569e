import { ReplyError } from 'ioredis';

/**
 * The code of an error reply (`BUSYGROUP`, `NOGROUP`, `NOSCRIPT`…): by Redis's protocol the first word of
 * the message. Undefined for anything that is not an error reply (a dropped connection, a timeout).
 */
export function replyErrorCode(error: unknown): string | undefined {
  // ioredis types ReplyError (from redis-errors) as `any`; it is an Error subclass.
  if (!(error instanceof ReplyError) || !(error instanceof Error)) return undefined;
  return /^[A-Z][A-Z0-9_]*/.exec(error.message)?.[0];
}
