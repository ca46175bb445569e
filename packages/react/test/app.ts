import { createElement as h, type ReactElement } from 'react';
import { useConnection, useEvent, useMessages, usePresence, useRoom, useTyping } from '../src/index';

/** Every hook at once, each shown as one line: what a server renders and a browser hydrates. */
export function App({ room }: { room: string }): ReactElement {
  const { state } = useConnection();
  const status = useRoom(room);
  const { messages, loaded } = useMessages(room);
  const presence = usePresence({ roomId: room });
  const typing = useTyping(room);
  useEvent('chat.message', () => {});
  const lines = [
    `state: ${state}`,
    `room: ${status.status}`,
    `messages: ${messages.length}, loaded: ${loaded}`,
    `members: ${presence.users.length}, stale: ${presence.stale}`,
    `typing: ${typing.users.length === 0 ? 'nobody' : typing.users.join(' ')}`,
  ];
  return h(
    'ul',
    null,
    lines.map((line) => h('li', { key: line.slice(0, line.indexOf(':')) }, line)),
  );
}
