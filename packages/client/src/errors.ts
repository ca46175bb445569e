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
 * - `transport_error`: the WebSocket reported an error or could not be created.
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
  | 'transport_error';

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
