import { useRoom } from '@gateway/react';
import { Composer } from './Composer';
import { Members } from './Members';
import { MessageList } from './MessageList';
import { TypingLine } from './TypingLine';

export function Room({ roomId, userId }: { roomId: string; userId: string }) {
  const room = useRoom(roomId);
  if (room.status === 'refused')
    return (
      <p className="error">
        Not allowed in #{roomId}: {room.message}
      </p>
    );
  if (room.status === 'error')
    return (
      <p className="error">
        Could not join #{roomId}: {room.error.message}
      </p>
    );
  return (
    <main className="room">
      <section className="chat">
        <MessageList roomId={roomId} userId={userId} />
        <TypingLine roomId={roomId} />
        <Composer roomId={roomId} />
      </section>
      <Members roomId={roomId} />
    </main>
  );
}
