import type { PresenceEntry } from '@gateway/client';
import { usePresence } from '@gateway/react';

const nameOf = (user: PresenceEntry) => user.display_name ?? user.user_id;
/** By name, so the list does not reorder as people come and go. */
const byName = (users: readonly PresenceEntry[]) => [...users].sort((a, b) => nameOf(a).localeCompare(nameOf(b)));

/** The room's members; greyed while disconnected, since they may have changed meanwhile. */
export function Members({ roomId }: { roomId: string }) {
  const { users, stale } = usePresence({ roomId, select: byName });
  return (
    <aside className={stale ? 'members stale' : 'members'}>
      <h2>Here {stale && <small>(reconnecting…)</small>}</h2>
      <ul>
        {users.map((user) => (
          <li key={user.user_id} data-user={user.user_id}>
            {nameOf(user)}
            {user.status === 'online' ? '' : ` (${user.status})`}
          </li>
        ))}
      </ul>
    </aside>
  );
}
