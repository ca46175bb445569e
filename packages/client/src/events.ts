import type { CustomServerPayloads, EventDefinition, RoomRecovery, ServerPayloads } from '@gateway/protocol';
import type { GatewayClientError } from './errors';
import type { Gap } from './sequencer';
import type { TypingChange } from './typing-view';

export type ClientState = 'idle' | 'connecting' | 'handshaking' | 'ready' | 'reconnecting' | 'closed';

/** Where the presence view changed; what changed is in the `presence.diff` event that changed it. */
export interface PresenceChange {
  /** The room a diff changed; absent (or undefined) for the global scope, a snapshot or a page. */
  readonly room_id?: string | undefined;
}

/** Events the client itself emits, beside the server's frames. */
export interface MetaEvents {
  /** Every state transition, with the state left and the state entered. */
  state: { readonly from: ClientState; readonly to: ClientState };
  /** The session is ready (after `identify`): the server's `ready` payload. */
  ready: ServerPayloads['ready'];
  /**
   * The session survived a lost connection: the `replayed` events it missed were delivered (in order,
   * each once) just before this event, and sends queued meanwhile have gone out.
   */
  resumed: ServerPayloads['resumed'];
  /**
   * Something went wrong: a connection attempt that failed (`connect_failed`, `upgrade_rejected`,
   * `handshake_failed`; one per attempt), the last one of `reconnect.maxAttempts` (`gave_up`), an `error` frame
   * that answered no request, an invalid frame, a fatal close, a throwing listener.
   */
  error: GatewayClientError;
  /** The presence view changed. */
  presence: PresenceChange;
  /** Who is typing in a room changed. */
  typing: TypingChange;
  /** A seq arrived early; later events are held back while the missing ones are asked for with `replay`. */
  gap: Gap;
  /**
   * The session could not be resumed (a new one replaced it: `ready` came just before), or a gap could not
   * be filled: events were lost for good. `rooms` are those to refetch: every room but the ones recovered
   * whole from their positions (see `recovery`). Rooms with nothing replayed are subscribed again, so their
   * members and recent messages arrive in a `subscribed` event; what is not in a room (dispatches to the user)
   * is lost either way.
   */
  reset: { readonly reason: string; readonly rooms: readonly string[] };
  /**
   * How a room came back from the position the client held (after a reset, or subscribing to a room left
   * before): `recovered` (its missed events arrive next, once and in order), or why not, with the offsets
   * missed (`missed_from`…`missed_to`: fetch them with `history`).
   */
  recovery: RoomRecovery;
  /** A reconnect is scheduled: `attempt` counts from 0 since the last stable connection. */
  reconnecting: { readonly attempt: number; readonly delay_ms: number };
}

/**
 * Every event a client emits: each server frame type by name with its payload (`chat.message` → ChatMessage),
 * the application's server events, and the client's own events. The server's `error` frames arrive as the
 * `error` event, wrapped in a GatewayClientError.
 */
export type ClientEvents<Defs extends readonly EventDefinition[] = []> = Omit<ServerPayloads, keyof MetaEvents> &
  CustomServerPayloads<Defs> &
  MetaEvents;

/** The listener argument lists the client's emitter is typed with. */
export type ClientEventArgs<Defs extends readonly EventDefinition[] = []> = {
  [K in keyof ClientEvents<Defs>]: [ClientEvents<Defs>[K]];
};
