import { usePresence, useTyping } from '@gateway/react';

export function TypingLine({ roomId }: { roomId: string }) {
  const { users } = useTyping(roomId);
  const names = usePresence({
    roomId,
    select: (entries) => new Map(entries.map((entry) => [entry.user_id, entry.display_name ?? entry.user_id])),
    isEqual: (a, b) => a.size === b.size && [...a].every(([id, name]) => b.get(id) === name),
  }).users;
  if (users.length === 0) return <div className="typing" />;
  const who = users.map((id) => names.get(id) ?? id).join(', ');
  return <div className="typing">{`${who} ${users.length === 1 ? 'is' : 'are'} typing…`}</div>;
}
