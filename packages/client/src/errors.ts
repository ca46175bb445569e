import type { ErrorCode } from '@gateway/protocol';

/**
 * Stable error codes. The protocol's `error` frame codes pass through unchanged; the client adds:
 * - `timeout`: no reply arrived within `requestTimeoutMs`;
 * - `disconnected`: the connection dropped before the reply to a request that cannot be retried;
 * - `closed`: the client was closed (by `close()` or a fatal close) with the request still open;
 * - `fatal_close`: the server closed with a code that forbids reconnecting (`closeCode` says which);
 * - `invalid_frame`: a frame from the server failed validation; it was dropped (so are binary frames, and
 *   frames over `maxIncomingFrameBytes`, as `frame_too_large`; 20 bad frames within 10 s close the connection,
 *   and the client reconnects with backoff);
 * - `rate_limited` / `shutting_down` from the server do not reach a retryable request: it is sent again after
 *   `retry_after_ms` or after the reconnect, and queued sends wait meanwhile;
 * - `invalid_payload`: a custom event's payload failed its schema; nothing was sent;
 * - `queue_full`: the offline queue is full; the send was refused;
 * - `not_ready`: a send that is never queued (typing, presence) was made while not connected;
 * - `token_failed`: `getToken()` threw; the client retries with backoff;
 * - `reauth_failed`: the token could not be replaced after `auth.expiring` (no `getToken`, it failed, or the
 *   server refused the new token; `cause` says which): the server closes with 4200 at expiry, and the client
 *   resumes with a fresh token if it has `getToken`;
 * - `listener_failed`: an application listener threw; the client carried on;
 * - `transport_error`: the WebSocket constructor threw (a URL the runtime refuses, a page's mixed content);
 * - `connect_failed`: an attempt's socket never opened: refused, unreachable, no answer within
 *   `requestTimeoutMs`. Browsers do not tell why, so there it also covers an HTTP answer (the message lists the
 *   likely causes: wrong path, credentials or origin refused, too many connections from this address);
 * - `upgrade_rejected`: the server answered HTTP instead of upgrading to a WebSocket, `details.status` says
 *   with what (404: wrong path; 401/403: refused; 429: too many connections from this address; 5xx:
 *   unavailable). Runtimes that expose the status only (`ws`, so Node);
 * - `handshake_failed`: the socket opened but closed, or was given up, before `ready` or `resumed` (no `hello`
 *   or `ready` in time, or a close from the server; `closeCode` says which);
 *   these three are emitted for every failed attempt, and the client retries with backoff;
 * - `gave_up`: `reconnect.maxAttempts` attempts in a row failed; the client is closed. `details.attempts` counts
 *   them, `cause` is the last one's error;
 * - `subscribe_refused`: `subscribe()` rejects with it when the server refused any of the rooms;
 *   `details.refused` lists them (`{ room_id, code, message }`), `details.rooms` holds the snapshots of the rooms
 *   granted, which stay subscribed.
 */
export type GatewayErrorCode =
  | ErrorCode
  | 'closed'
  | 'fatal_close'
  | 'invalid_payload'
  | 'queue_full'
  | 'not_ready'
  | 'token_failed'
  | 'reauth_failed'
  | 'listener_failed'
  | 'transport_error'
  | 'connect_failed'
  | 'upgrade_rejected'
  | 'handshake_failed'
  | 'gave_up'
  | 'subscribe_refused';

export interface GatewayClientErrorOptions {
  cause?: unknown;
  closeCode?: number | undefined;
  details?: Record<string, unknown> | undefined;
  retryAfterMs?: number | undefined;
}

export class GatewayClientError extends Error {
  override readonly name = 'GatewayClientError';
  /** A `GatewayErrorCode`, or a code a newer server sent that this client does not know yet. */
  readonly code: GatewayErrorCode | (string & {});
  readonly closeCode: number | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: GatewayErrorCode | (string & {}), message: string, options: GatewayClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.closeCode = options.closeCode;
    this.details = options.details;
    this.retryAfterMs = options.retryAfterMs;
  }
}
