// One visit to one room: the client's events drawn on the page, and what the user does sent through the client.
import type { ClientState, GatewayClient, GatewayClientError } from '@gateway/client';
import { type MemberElements, MemberList } from './members';
import { MessageList } from './messages';
import { describeError, describeSendFailure, STATE_LABELS } from './words';

export interface ChatElements extends MemberElements {
  readonly state: HTMLElement;
  readonly messages: HTMLUListElement;
  readonly typing: HTMLElement;
}

export interface Visitor {
  readonly userId: string;
  readonly name: string;
  readonly room: string;
}

export interface ChatHooks {
  /** Something to tell the user (empty: nothing); `canRetry` offers to connect again after the client gave up. */
  problem(text: string, canRetry?: boolean): void;
  /** The room is out of reach for good (refused, or the user was removed): back to the join form. */
  refused(text: string): void;
}

export interface Chat {
  send(content: string): void;
  /** The message box changed: typing is announced (the client sends it at most every 2 s) or ended when empty. */
  typed(value: string): void;
  /** Connects again after the client gave up. */
  reconnect(): void;
  close(): void;
}

const newId = (): string => globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random()}`;

export function openChat(client: GatewayClient, visitor: Visitor, ui: ChatElements, hooks: ChatHooks): Chat {
  const { room } = visitor;
  const isMine = (senderId: string) => senderId === (client.user?.id ?? visitor.userId);
  const members = new MemberList(ui, () => client.presence.inRoom(room));
  const messages = new MessageList({ list: ui.messages, isMine, retry: (id, content) => deliver(id, content) });
  const nameOf = (id: string) => client.presence.get(id)?.display_name ?? id;

  function deliver(clientMsgId: string, content: string): void {
    messages.setFailure(clientMsgId, undefined);
    client
      .sendMessage(room, content, { clientMsgId })
      .catch((error: unknown) => messages.setFailure(clientMsgId, describeSendFailure(error)));
  }

  function subscribe(): void {
    client.subscribe(room).catch((error: GatewayClientError) => {
      if (error.code === 'subscribe_refused') hooks.refused(describeError(error, room));
      else if (error.code !== 'closed') hooks.problem(describeError(error, room));
    });
  }

  const showState = (state: ClientState) => {
    ui.state.dataset.state = state;
    ui.state.textContent = STATE_LABELS[state];
  };
  showState(client.state);
  members.setCurrent(false);
  client.on('state', ({ from, to }) => {
    showState(to);
    if (from === 'ready') {
      messages.connectionLost();
      members.setCurrent(false);
    }
  });
  // Back: whatever the last attempts failed with no longer holds.
  client.on('ready', () => hooks.problem(''));
  client.on('resumed', () => {
    hooks.problem('');
    members.setCurrent(true);
  });
  // After `ready` (the first, or a reset) and after every subscribe: the room as the server has it now. A
  // reset means events were missed, so the list is replaced rather than added to.
  client.on('subscribed', ({ rooms }) => {
    const snapshot = rooms.find((candidate) => candidate.room_id === room);
    if (snapshot === undefined) return;
    messages.replaceWith(snapshot.recent_messages);
    members.setCurrent(client.state === 'ready');
  });
  client.on('unsubscribed', ({ room_ids }) => {
    if (room_ids.includes(room)) hooks.refused(`You are no longer in #${room}.`);
  });
  client.on('chat.message', (message) => message.room_id === room && messages.add(message));
  client.on('chat.message.update', (change) => change.room_id === room && messages.update(change.message_id, change));
  client.on('chat.message.delete', (deleted) => deleted.room_id === room && messages.remove(deleted.message_id));
  client.on('presence', () => members.render());
  client.on('typing', ({ room_id }) => {
    if (room_id !== room) return;
    const typers = client.typing.inRoom(room).filter((id) => !isMine(id));
    ui.typing.textContent =
      typers.length === 0 ? '' : `${typers.map(nameOf).join(', ')} ${typers.length === 1 ? 'is' : 'are'} typing…`;
  });
  client.on('error', (error) => {
    // A message acked but then not stored (`persistMessage` failed) names its send.
    const clientMsgId = error.details?.client_msg_id;
    if (typeof clientMsgId === 'string') messages.setFailure(clientMsgId, describeSendFailure(error));
    else if (error.code === 'subscribe_refused') hooks.refused(describeError(error, room));
    else hooks.problem(describeError(error, room), error.code === 'gave_up');
  });

  subscribe();
  return {
    send(content) {
      const clientMsgId = newId();
      messages.draft(clientMsgId, content, visitor.name);
      // The server ends this user's typing with the message, and the client lets the next keystroke announce it.
      deliver(clientMsgId, content);
    },
    typed(value) {
      if (value.length === 0) client.stopTyping(room);
      else client.startTyping(room);
    },
    reconnect() {
      hooks.problem('');
      client.connect();
      subscribe();
    },
    close: () => client.close(),
  };
}
