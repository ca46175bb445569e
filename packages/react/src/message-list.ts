import type { ChatMessage, GatewayClientError } from '@gateway/client';
import type { LiveEvent, MessageHole, MessageList, PendingMessage, SentMessage } from './message-types';

// Pure: each function returns the list after one change, or the same list when nothing changed.

export const emptyList: MessageList = { sent: [], pending: [], items: [], loaded: false, hole: undefined };

function list(
  sent: readonly SentMessage[],
  pending: readonly PendingMessage[],
  loaded: boolean,
  hole: MessageHole | undefined,
): MessageList {
  const items = pending.length === 0 ? sent : sent.length === 0 ? pending : [...sent, ...pending];
  return { sent, pending, items, loaded, hole };
}

const toSent = (message: ChatMessage, key: string): SentMessage => ({ ...message, status: 'sent', key });

/** The server's copy of a send replaces it: the same `client_msg_id` (from this user), or the id its ack gave. */
function settles(pending: PendingMessage, message: ChatMessage): boolean {
  if (pending.message_id !== undefined && pending.message_id === message.message_id) return true;
  if (message.client_msg_id !== pending.client_msg_id) return false;
  return pending.sender_id === undefined || pending.sender_id === message.sender_id;
}

function settled(sent: readonly SentMessage[], pending: readonly PendingMessage[]): readonly PendingMessage[] {
  if (pending.length === 0) return pending;
  const left = pending.filter((send) => !sent.some((message) => settles(send, message)));
  return left.length === pending.length ? pending : left;
}

const editedAt = (message: { readonly edited_at?: string | undefined }): number =>
  message.edited_at === undefined ? -Infinity : Date.parse(message.edited_at);

/** Where a message goes in time order: at the end, as live messages come, unless it is older than the last ones. */
function placeOf(sent: readonly SentMessage[], message: SentMessage): number {
  const time = Date.parse(message.created_at);
  let index = sent.length;
  while (index > 0 && Date.parse((sent[index - 1] as SentMessage).created_at) > time) index--;
  return index;
}

/**
 * One live event: a new message (once by `message_id`, in `created_at` order, settling the send it is the copy
 * of), an edit, a deletion.
 */
export function withLive(current: MessageList, event: LiveEvent): MessageList {
  const { sent, pending, loaded, hole } = current;
  const id = event.payload.message_id;
  const at = sent.findIndex((message) => message.message_id === id);
  switch (event.type) {
    case 'chat.message': {
      if (at !== -1) return current;
      const copyOf = pending.find((send) => settles(send, event.payload));
      const message = toSent(event.payload, copyOf?.key ?? id);
      const place = placeOf(sent, message);
      const next = [...sent.slice(0, place), message, ...sent.slice(place)];
      return list(next, settled([message], pending), loaded, hole);
    }
    case 'chat.message.update': {
      const old = sent[at];
      // Edits replayed over a newer snapshot must not take it back: the later `edited_at` wins.
      if (old === undefined || editedAt(old) >= editedAt(event.payload)) return current;
      const next = [...sent];
      next[at] = { ...old, content: event.payload.content, edited_at: event.payload.edited_at };
      return list(next, pending, loaded, hole);
    }
    case 'chat.message.delete':
      if (at === -1) return current;
      return list(
        sent.filter((_, index) => index !== at),
        pending,
        loaded,
        hole,
      );
  }
}

/**
 * The room's history from the server replaces the messages held (not appended to them: what was deleted while
 * away goes), then the live events received since the history was asked for are applied again, since the
 * server may have read it before some of them. Sends still pending stay, unless the history holds their copy.
 */
export function withSnapshot(current: MessageList, messages: readonly ChatMessage[], since: readonly LiveEvent[]) {
  const held = new Map(current.sent.map((message) => [message.message_id, message]));
  const seen = new Set<string>();
  const sent: SentMessage[] = [];
  for (const message of messages) {
    if (seen.has(message.message_id)) continue;
    seen.add(message.message_id);
    const old = held.get(message.message_id);
    const same = old !== undefined && old.content === message.content && old.edited_at === message.edited_at;
    const key = old?.key ?? current.pending.find((send) => settles(send, message))?.key ?? message.message_id;
    sent.push(same ? old : toSent(message, key));
  }
  let next = list(sent, settled(sent, current.pending), true, current.hole);
  for (const event of since) next = withLive(next, event);
  return next;
}

export function withPending(current: MessageList, send: PendingMessage): MessageList {
  return list(current.sent, [...current.pending, send], current.loaded, current.hole);
}

function updatePending(
  current: MessageList,
  clientMsgId: string,
  change: (send: PendingMessage) => PendingMessage | undefined,
): MessageList {
  const at = current.pending.findIndex((send) => send.client_msg_id === clientMsgId);
  const old = current.pending[at];
  if (old === undefined) return current;
  const replaced = change(old);
  if (replaced === old) return current;
  const pending = current.pending.flatMap((send, index) => (index !== at ? [send] : replaced ? [replaced] : []));
  return list(current.sent, pending, current.loaded, current.hole);
}

/** The server accepted the send: its copy is on the way (or already here: then the send is settled). */
export function withAck(current: MessageList, clientMsgId: string, messageId: string): MessageList {
  const copy = current.sent.some((message) => message.message_id === messageId);
  return updatePending(current, clientMsgId, (send) => (copy ? undefined : { ...send, message_id: messageId }));
}

export function withFailure(current: MessageList, clientMsgId: string, error: GatewayClientError): MessageList {
  return updatePending(current, clientMsgId, (send) => ({ ...send, status: 'failed', error }));
}

/** A failed send goes again (under the same `client_msg_id`, so the server drops a duplicate). */
export function withRetry(current: MessageList, clientMsgId: string): MessageList {
  return updatePending(current, clientMsgId, (send) =>
    send.status === 'failed' ? { ...send, status: 'pending', message_id: undefined, error: undefined } : send,
  );
}

export function withoutPending(current: MessageList, clientMsgId: string): MessageList {
  return updatePending(current, clientMsgId, () => undefined);
}

/** The list showing `hole` (the same list when it shows that one already). */
export function withHole(current: MessageList, hole: MessageHole | undefined): MessageList {
  return current.hole === hole ? current : { ...current, hole };
}
