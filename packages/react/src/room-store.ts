import { type GatewayClient, type GatewayClientError, recoveryReplays, type SendMessageOptions } from '@gateway/client';
import { newClientMsgId } from './ids';
import { Listeners, listenTo } from './listen';
import { fills, type HoleMark, holeView, markHole } from './message-hole';
import {
  emptyList,
  withAck,
  withFailure,
  withHole,
  withLive,
  withoutPending,
  withPending,
  withRetry,
  withSnapshot,
} from './message-list';
import type { LiveEvent, MessageList, PendingMessage } from './message-types';
import { type RoomStatus, refusalOf, SUBSCRIBED, SUBSCRIBING } from './room-status';

/** Live events kept to replay over a history that may have been read before them; older ones are in it. */
const MAX_REPLAYED = 500;

const REVOKED: RoomStatus = {
  status: 'refused',
  code: 'unsubscribed',
  message: 'The server took this connection out of the room.',
};

/**
 * One room while components use it: its subscription's status and its message list, kept from the client's
 * events between `start` and `end`. The registry creates it, starts it for its first user and ends it after
 * the last one.
 */
export class RoomStore {
  status: RoomStatus = SUBSCRIBING;
  messages: MessageList = emptyList;
  readonly listeners = new Listeners();
  /** Live events since the history was last asked for (join, reset), replayed over each history that arrives. */
  private _since: LiveEvent[] = [];
  /** What a recovery that was not whole left out of the list, until a list fetched afterwards fills it. */
  private _hole: HoleMark | undefined;
  /**
   * Refetches a reset asked for and not yet answered. A hole opens just after the reset that asks for one (the
   * client emits the reset, then each room's recovery): it is shown only if the refetch does not fill it, so a
   * hole that is filled a round trip later never flashes.
   */
  private _refetching = 0;
  private _stop: (() => void) | undefined;

  constructor(
    private readonly _client: GatewayClient,
    readonly roomId: string,
    /** True while an `unsubscribe` of this room sent by the registry awaits its reply. */
    private readonly _leaving: (roomId: string) => boolean,
  ) {}

  start(): void {
    const { roomId } = this;
    const live = (event: LiveEvent) => event.payload.room_id === roomId && this._live(event);
    this._stop = listenTo(this._client, {
      'chat.message': (payload) => live({ type: 'chat.message', payload }),
      'chat.message.update': (payload) => live({ type: 'chat.message.update', payload }),
      'chat.message.delete': (payload) => live({ type: 'chat.message.delete', payload }),
      subscribed: ({ rooms, refused, recovery }) => {
        const room = rooms.find((granted) => granted.room_id === roomId);
        if (room === undefined) this._set(refusalOf(refused, roomId));
        // Recovered from the client's position: the missed messages arrive as live events, over the list kept.
        else if (recovery?.some((answer) => answer.room_id === roomId && recoveryReplays(answer)))
          this._set(SUBSCRIBED);
        else this._set(SUBSCRIBED, this._fetched(room.recent_messages));
      },
      recovery: (answer) => {
        if (answer.room_id !== roomId || answer.recovered) return;
        this._hole = markHole(this.messages, answer, this._hole);
        this._set(undefined);
      },
      ready: ({ refused }) => {
        const refusal = refusalOf(refused, roomId);
        if (refusal !== undefined) this._set(refusal);
        else if (this.status.status === 'error') this._subscribe();
      },
      unsubscribed: ({ room_ids }) => {
        if (room_ids.includes(roomId) && !this._leaving(roomId)) this._set(REVOKED);
      },
      // Events were lost: the history is asked for again and replaces the list (a new session's `subscribed`
      // snapshot does too). Sends still pending stay: the client retries them under their client_msg_id.
      // A room recovered whole from the client's position lost nothing: its list stands.
      reset: ({ rooms }) => {
        if (!rooms.includes(roomId)) return;
        this._since = [];
        this._refetching++;
        const answered = () => {
          this._refetching--;
          return this._stop !== undefined;
        };
        this._client.history(roomId).then(
          ({ messages }) => answered() && this._set(undefined, this._fetched(messages)),
          // Not refetched: a hole that waited for it shows.
          () => answered() && this._set(undefined),
        );
      },
      // The server accepted a send but could not store it (`persistMessage` failed): it was not delivered.
      error: (error) => {
        const clientMsgId = error.details?.client_msg_id;
        if (error.code === 'handler_failed' && typeof clientMsgId === 'string') this._fail(clientMsgId, error);
      },
    });
    this._subscribe();
  }

  end(): void {
    this._stop?.();
    this._stop = undefined;
  }

  /** Shows the message at once and sends it; returns its `client_msg_id`. */
  send(content: string, options: SendMessageOptions = {}): string {
    const clientMsgId = options.clientMsgId ?? newClientMsgId();
    const pending: PendingMessage = {
      status: 'pending',
      key: clientMsgId,
      client_msg_id: clientMsgId,
      message_id: undefined,
      room_id: this.roomId,
      sender_id: this._client.user?.id,
      content,
      kind: options.kind ?? 'text',
      metadata: options.metadata,
      error: undefined,
    };
    this._set(undefined, withPending(this.messages, pending));
    this._deliver(pending);
    return clientMsgId;
  }

  retry(clientMsgId: string): void {
    const before = this.messages;
    this._set(undefined, withRetry(before, clientMsgId));
    const send = this.messages.pending.find((pending) => pending.client_msg_id === clientMsgId);
    if (this.messages !== before && send !== undefined) this._deliver(send);
  }

  discard(clientMsgId: string): void {
    this._set(undefined, withoutPending(this.messages, clientMsgId));
  }

  /** The app filled the hole (or will do without): the list no longer shows it. */
  dismissHole(): void {
    this._hole = undefined;
    this._set(undefined);
  }

  /** The room's messages fetched from the server replace the list, and close the hole if they reach back to it. */
  private _fetched(messages: Parameters<typeof withSnapshot>[1]): MessageList {
    if (this._hole !== undefined && fills(messages, this._hole)) this._hole = undefined;
    return withSnapshot(this.messages, messages, this._since);
  }

  private _deliver(send: PendingMessage): void {
    const options: SendMessageOptions = { clientMsgId: send.client_msg_id, kind: send.kind };
    if (send.metadata !== undefined) options.metadata = send.metadata;
    this._client.sendMessage(this.roomId, send.content, options).then(
      (ack) => this._set(undefined, withAck(this.messages, ack.client_msg_id, ack.message_id)),
      (error: GatewayClientError) => this._fail(send.client_msg_id, error),
    );
  }

  private _fail(clientMsgId: string, error: GatewayClientError): void {
    this._set(undefined, withFailure(this.messages, clientMsgId, error));
  }

  private _subscribe(): void {
    // The snapshot this asks for replaces the list: the events replayed over it are those from now on.
    this._since = [];
    this._set(SUBSCRIBING);
    // A list still empty wants the room's recent messages, not just what was said since the client's position.
    const recover = this.messages !== emptyList;
    this._client.subscribe(this.roomId, { recover }).catch((error: GatewayClientError) => {
      if (this._stop === undefined) return;
      const refused = error.code === 'subscribe_refused' ? refusalOf(error.details?.refused, this.roomId) : undefined;
      this._set(refused ?? { status: 'error', error });
    });
  }

  private _live(event: LiveEvent): void {
    this._since.push(event);
    if (this._since.length > MAX_REPLAYED) this._since.shift();
    this._set(undefined, withLive(this.messages, event));
  }

  private _set(status: RoomStatus | undefined, list: MessageList = this.messages): void {
    const hole = this._hole === undefined || this._refetching > 0 ? undefined : holeView(list, this._hole, list.hole);
    const messages = withHole(list, hole);
    const changed = (status !== undefined && status !== this.status) || messages !== this.messages;
    if (status !== undefined) this.status = status;
    this.messages = messages;
    if (changed) this.listeners.notify();
  }
}
