// What the demo says when something goes wrong, in plain words rather than error codes.
import type { ClientState, GatewayClientError } from '@gateway/client';

/** The connection badge's text for each client state. */
export const STATE_LABELS: Record<ClientState, string> = {
  idle: 'not connected',
  connecting: 'connecting…',
  handshaking: 'connecting…',
  ready: 'connected',
  reconnecting: 'reconnecting…',
  closed: 'offline',
};

interface Refusal {
  readonly room_id?: unknown;
  readonly message?: unknown;
}

/** Why the server would not let the user into `room`, from a `subscribe_refused` error's details. */
function refusalOf(error: GatewayClientError, room: string): string {
  const refused = (error.details?.refused ?? []) as readonly Refusal[];
  const reason = refused.find((entry) => entry.room_id === room)?.message;
  return typeof reason === 'string' && reason.length > 0 ? reason : 'the server refused';
}

/** One sentence for an error the client reported; `room` is the room the page is in. */
export function describeError(error: GatewayClientError, room: string): string {
  switch (error.code) {
    case 'connect_failed':
      return `Can't reach the chat server at ${location.host}: it may be down or restarting, or you are offline. Trying again…`;
    case 'upgrade_rejected':
      return `The chat server turned the connection down (HTTP ${String(error.details?.status ?? '?')}). Trying again…`;
    case 'handshake_failed':
      return 'The chat server closed the connection before the chat could start. Trying again…';
    case 'gave_up':
      return `Gave up after ${String(error.details?.attempts ?? 'several')} failed attempts to reach the chat server.`;
    case 'fatal_close':
      return `${error.message} Reload the page to start again.`;
    case 'subscribe_refused':
      return `You can't join #${room}: ${refusalOf(error, room)}.`;
    case 'rate_limited':
      return 'You are sending too fast; wait a moment and try again.';
    default:
      return error.message;
  }
}

/** Why a send failed, short enough to stand beside the message. */
export function describeSendFailure(error: unknown): string {
  if (typeof error !== 'object' || error === null || !('code' in error)) return String(error);
  const { code, message } = error as GatewayClientError;
  if (code === 'closed') return 'the chat is offline';
  if (code === 'timeout') return 'no answer from the server';
  if (code === 'queue_full') return 'too many messages waiting to go out';
  return message;
}

/** True for the errors of one connection attempt: they stop applying once the chat is connected again. */
export const isConnectionError = (error: GatewayClientError): boolean =>
  error.code === 'connect_failed' || error.code === 'upgrade_rejected' || error.code === 'handshake_failed';
