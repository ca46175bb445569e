import { type MessageItem, useMessages } from '@gateway/react';
import { useEffect, useRef } from 'react';

const time = (iso: string | undefined) =>
  iso === undefined ? '' : new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** The room's history and live messages; this user's sends show at once, marked until the server has them. */
export function MessageList({ roomId, userId }: { roomId: string; userId: string }) {
  const { messages, loaded, retry, discard } = useMessages(roomId);
  const end = useRef<HTMLLIElement>(null);
  const count = messages.length;
  useEffect(() => {
    if (count > 0) end.current?.scrollIntoView({ block: 'end' });
  }, [count]);
  if (!loaded) return <p className="muted">Loading history…</p>;
  return (
    <ul className="messages">
      {messages.map((message: MessageItem) => {
        const mine = message.sender_id === userId;
        return (
          <li key={message.key} className={`${message.status}${mine ? ' mine' : ''}`} data-status={message.status}>
            <span className="sender">
              {message.status === 'sent' ? (message.sender_name ?? message.sender_id) : 'you'}
            </span>
            <span className="content">{message.content}</span>
            <time>{message.status === 'sent' ? time(message.created_at) : message.status}</time>
            {message.status === 'failed' && (
              <span className="actions">
                {message.error?.message}{' '}
                <button type="button" onClick={() => retry(message.client_msg_id)}>
                  Retry
                </button>
                <button type="button" onClick={() => discard(message.client_msg_id)}>
                  Discard
                </button>
              </span>
            )}
          </li>
        );
      })}
      <li ref={end} aria-hidden="true" className="end" />
    </ul>
  );
}
