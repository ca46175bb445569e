import type { ErrorCode } from '@gateway/protocol';

/**
 * Stable error codes. The protocol's `error` frame codes pass through unchanged; the client adds:
 * - `timeout`: no reply arrived within `requestTimeoutMs`;
 * - `disconnected`: the connection dropped before the reply to a request that cannot be retried;
 * - `closed`: the client was closed (by `close()` or a fatal close) with the request still open;
 * - `fatal_close`: the server closed with a code that forbids reconnecting (`closeCode` says which);
 * - `invalid_frame`: a frame from the server failed validation; it was dropped;
 * - `invalid_payload`: a custom event's payload failed its schema; nothing was sent;
 * - `queue_full`: the offline queue is full; the send was refused;
 * - `not_ready`: a send that is never queued (typing, presence) was made while not connected;
 * - `token_failed`: `getToken()` threw; the client retries with backoff;
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
  | 'listener_failed'
  | 'transport_error';

export interface GatewayClientErrorOptions {
  cause?: unknown;
  closeCode?: number;
  details?: Record<string, unknown>;
  retryAfterMs?: number;
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
