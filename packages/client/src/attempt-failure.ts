import { GatewayClientError } from './errors';

/** What a runtime's error event may say: `ws` (Node) gives a message and a system error code; browsers nothing. */
interface ErrorEventLike {
  readonly message?: unknown;
  readonly error?: { readonly message?: unknown; readonly code?: unknown } | null;
}

/** What an HTTP status instead of `101 Switching Protocols` means, and what to check. */
const advice = (status: number): string =>
  status === 404
    ? 'wrong path? The gateway serves /ws.'
    : status === 401 || status === 403
      ? 'refused: check the credentials and the allowed origins.'
      : status === 429
        ? 'too many connections from this address.'
        : status >= 500
          ? 'the server (or a proxy) is unavailable.'
          : "is this the gateway's URL?";

/**
 * The error of an attempt whose socket never opened. `ws` reports an HTTP answer as `Unexpected server
 * response: 404`, and a refused or unreachable address with a system error code (ECONNREFUSED, ENOTFOUND…);
 * browsers say nothing, so their error lists the likely causes. With no error event at all the client gave
 * up waiting, and `reason` says so.
 */
export function connectFailure(url: string, event: unknown, reason: string): GatewayClientError {
  const { message, error } = (event ?? {}) as ErrorEventLike;
  const detail = String(message || error?.message || reason);
  const status = Number(/Unexpected server response: (\d+)/.exec(detail)?.[1]);
  if (status) {
    const text = `${url} answered HTTP ${status} instead of a WebSocket: ${advice(status)}`;
    return new GatewayClientError('upgrade_rejected', text, { details: { status } });
  }
  const why =
    event === undefined || typeof error?.code === 'string'
      ? 'is the server up, and reachable?'
      : 'the server is down or unreachable, or it refused the upgrade (wrong path: 404, credentials or origin: 401/403, too many connections from this address: 429).';
  return new GatewayClientError('connect_failed', `Could not connect to ${url}${detail && ` (${detail})`}: ${why}`, {
    cause: event,
  });
}

/** The error of an attempt whose socket opened but closed (or was given up) before `ready` or `resumed`. */
export const handshakeFailure = (code: number, reason: string): GatewayClientError =>
  new GatewayClientError(
    'handshake_failed',
    `The connection closed before the session was ready (${code}${reason && `: ${reason}`}).`,
    { closeCode: code },
  );
