import type { GatewayClient } from '@gateway/client';
import { act, screen } from '@testing-library/react/pure';
import { createElement as h, type ReactElement } from 'react';
import { type MessageHole, type MessageItem, type RoomMessages, useMessages } from '../src/index';
import { within } from './helpers';

/** Every list a `Chat` rendered, in order, the hole each render showed, and the room's actions from the last render. */
export interface ChatLog {
  readonly renders: (readonly MessageItem[])[];
  readonly holes: (MessageHole | undefined)[];
  actions: RoomMessages | undefined;
}

export const chatLog = (): ChatLog => ({ renders: [], holes: [], actions: undefined });

/** One line per message: `content [status]`, with the error code of a failed one. */
export const line = (item: MessageItem): string =>
  `${item.content} [${item.status}${item.status === 'failed' ? ` ${item.error?.code}` : ''}]`;

/** The row an app shows where messages are missing: `[missing reason from–to]`. */
export const holeLine = (hole: MessageHole): string =>
  `[missing ${hole.reason} ${hole.missed_from ?? '?'}–${hole.missed_to ?? '?'}]`;

/** A room's message list, with a row where messages are missing, recording each render into `log`. */
export function Chat({ room, log }: { room: string; log: ChatLog }): ReactElement {
  const messages = useMessages(room);
  log.renders.push(messages.messages);
  log.holes.push(messages.hole);
  log.actions = messages;
  const { hole } = messages;
  const rows = messages.messages.map((item) => h('li', { key: item.key }, line(item)));
  if (hole !== undefined) {
    const at = hole.after === undefined ? 0 : messages.messages.findIndex((item) => item.key === hole.after) + 1;
    rows.splice(at, 0, h('li', { key: 'hole' }, holeLine(hole)));
  }
  return h('ul', { 'data-testid': `chat-${room}` }, rows);
}

/** The lines the chat shows now. */
export const shown = (room: string): string[] =>
  Array.from(screen.getByTestId(`chat-${room}`).querySelectorAll('li'), (li) => li.textContent ?? '');

/** Sends from the component, as a click handler would. */
export function send(log: ChatLog, content: string, clientMsgId?: string): string {
  let id = '';
  act(() => {
    const actions = log.actions;
    if (actions === undefined) throw new Error('the chat has not rendered');
    id = actions.send(content, clientMsgId === undefined ? undefined : { clientMsgId });
  });
  return id;
}

/** No render showed a message twice: no two rows with one key, no two server copies with one message_id. */
export function expectNoDuplicates(log: ChatLog): void {
  for (const items of log.renders) {
    const keys = items.map((item) => item.key);
    if (new Set(keys).size !== keys.length) throw new Error(`a render showed a key twice: ${keys.join(', ')}`);
    const ids = items.flatMap((item) => (item.status === 'sent' ? [item.message_id] : []));
    if (new Set(ids).size !== ids.length) throw new Error(`a render showed a message twice: ${ids.join(', ')}`);
  }
}

/** Sends from a plain client (another user) and waits for the server's ack. */
export async function say(client: GatewayClient, room: string, content: string): Promise<string> {
  const ack = await within(client.sendMessage(room, content), `the ack of "${content}"`);
  return ack.message_id;
}
