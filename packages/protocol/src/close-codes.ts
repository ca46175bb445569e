/**
 * What a client does after a close:
 * - `resume`: reconnect (with backoff unless told otherwise) and resume the session;
 * - `reidentify`: reconnect and identify afresh; the session is gone;
 * - `refresh_token`: fetch a fresh token, then reconnect and resume;
 * - `fatal`: stop; reconnecting cannot help. Surface the error.
 */
export type CloseVerdict = 'resume' | 'reidentify' | 'refresh_token' | 'fatal';

/**
 * Every close code the gateway sends. The verdict also follows from the range, so a client
 * handles a code it does not know yet: 4000–4099 resume, 4100–4199 reidentify,
 * 4200–4299 refresh token, 4300–4999 fatal.
 */
export const CLOSE_CODES = {
  unknown_error: { code: 4000, verdict: 'resume', description: 'Something went wrong on the server.' },
  heartbeat_timeout: {
    code: 4001,
    verdict: 'resume',
    description: 'The server heard nothing for 1.5 heartbeat intervals plus grace.',
  },
  going_away: { code: 4002, verdict: 'resume', description: 'The server is stopping or draining.' },
  slow_consumer: {
    code: 4003,
    verdict: 'resume',
    description: 'The connection read too slowly and its outbound queue filled up.',
  },
  flood: { code: 4004, verdict: 'resume', description: 'Too many frames too fast; back off before reconnecting.' },
  session_invalid: { code: 4100, verdict: 'reidentify', description: 'The session is gone; identify afresh.' },
  identify_timeout: {
    code: 4101,
    verdict: 'reidentify',
    description: 'No identify arrived within the deadline after hello.',
  },
  session_replaced: {
    code: 4102,
    verdict: 'reidentify',
    description: 'Another connection resumed this session; this one no longer owns it.',
  },
  disconnected: {
    code: 4103,
    verdict: 'reidentify',
    description: 'An operator ended the session (moderation); identify afresh.',
  },
  token_expired: { code: 4200, verdict: 'refresh_token', description: 'The token expired; get a fresh one.' },
  protocol_violation: {
    code: 4400,
    verdict: 'fatal',
    description: 'Repeated frames that break the protocol.',
  },
  authentication_failed: {
    code: 4401,
    verdict: 'fatal',
    description: 'The token is missing, forged, of the wrong algorithm or names no user.',
  },
  forbidden: { code: 4403, verdict: 'fatal', description: 'This connection is not allowed (its Origin).' },
  banned: {
    code: 4409,
    verdict: 'fatal',
    description: 'An operator banned this user for a while; identify and resume are refused until the ban ends.',
  },
  unsupported_version: {
    code: 4406,
    verdict: 'fatal',
    description: 'The client speaks a protocol version the server does not.',
  },
  too_many_connections: {
    code: 4429,
    verdict: 'fatal',
    description: 'The user has more connections than the server allows.',
  },
} as const satisfies Record<string, { code: number; verdict: CloseVerdict; description: string }>;

export type CloseCodeName = keyof typeof CLOSE_CODES;

/** `CloseCode.heartbeat_timeout === 4001`. */
// Built in pure closures, so a bundle that reads neither (the client's) drops them and the table with them.
export const CloseCode = /* @__PURE__ */ (() =>
  Object.fromEntries(Object.entries(CLOSE_CODES).map(([name, entry]) => [name, entry.code])))() as {
  readonly [K in CloseCodeName]: (typeof CLOSE_CODES)[K]['code'];
};

const nameByCode = /* @__PURE__ */ (() =>
  new Map<number, CloseCodeName>(
    Object.entries(CLOSE_CODES).map(([name, entry]) => [entry.code, name as CloseCodeName]),
  ))();

export function closeCodeName(code: number): CloseCodeName | undefined {
  return nameByCode.get(code);
}

/**
 * The single place that decides what a close means. It reads the range alone, which every code in the table
 * follows (a test holds them to it), so a client bundle needs neither the table nor its descriptions.
 */
export function closeVerdict(code: number): CloseVerdict {
  // WebSocket's own codes: 1008 (policy violation) means the server will refuse again; every other
  // standard code (1000 from the server, 1001, 1006, 1009, 1011, 1012, …) is worth a resume.
  if (!(code >= 4000 && code <= 4999)) return code === 1008 ? 'fatal' : 'resume';
  return code < 4100 ? 'resume' : code < 4200 ? 'reidentify' : code < 4300 ? 'refresh_token' : 'fatal';
}

/** Close reasons are limited to 123 bytes of UTF-8 by RFC 6455. */
export function limitCloseReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length <= 123) return reason;
  return `${new TextDecoder().decode(bytes.slice(0, 120)).replace(/\uFFFD+$/, '')}...`;
}
