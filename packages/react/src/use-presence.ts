import type { GatewayClient, PresenceEntry } from '@gateway/client';
import { useCallback, useMemo } from 'react';
import { useGatewayContext } from './context';
import { listenTo } from './listen';
import { shallowEqual } from './shallow-equal';
import { holdRoom } from './use-room-store';
import { useSelected } from './use-selected';

export interface PresenceResult<T> {
  /** The users online (or what `select` made of them). */
  readonly users: T;
  /** True while the client is not `ready`: what is shown is the last known, and may have changed meanwhile. */
  readonly stale: boolean;
  /**
   * How many users the server counts in the room (everyone online without `roomId`); undefined until the room
   * is subscribed. A large room's `users` holds only its first page and those who changed since, so the count
   * can be larger: `useClient()?.listPresence({ roomId, after })` pages the rest into `users`.
   */
  readonly count: number | undefined;
}

export interface UsePresenceOptions<T> {
  /** A room's members (the room is subscribed while the component is mounted). Absent: everyone the client knows. */
  readonly roomId?: string | undefined;
  /** Picks what the component needs; it re-renders only when that changes. */
  readonly select?: (users: readonly PresenceEntry[]) => T;
  /** How two selections compare. @default shallowEqual (arrays by element, objects by key, one level) */
  readonly isEqual?: (a: T, b: T) => boolean;
}

type Base = PresenceResult<readonly PresenceEntry[]>;

const SERVER_PRESENCE: Base = { users: [], stale: true, count: undefined };
const serverPresence = () => SERVER_PRESENCE;

/** Reads the client's presence view, keeping the last result while the users are the same entries. */
function presenceReader(client: GatewayClient | null, roomId: string | undefined): () => Base {
  let last = SERVER_PRESENCE;
  return () => {
    if (client === null) return last;
    const users = roomId === undefined ? client.presence.list() : client.presence.inRoom(roomId);
    const stale = client.state !== 'ready';
    const count = client.presence.count(roomId);
    if (stale !== last.stale || count !== last.count || !shallowEqual(users, last.users))
      last = { users, stale, count };
    return last;
  };
}

/**
 * Who is online, globally or in a room, from the client's presence view; `stale` while not connected.
 * `usePresence({ roomId: 'lobby', select: (users) => users.filter(isFriend) })` re-renders only when that
 * selection (or the count) changes.
 */
export function usePresence<T = readonly PresenceEntry[]>(options: UsePresenceOptions<T> = {}): PresenceResult<T> {
  const { client, rooms } = useGatewayContext('usePresence');
  const { roomId, select, isEqual = shallowEqual } = options;
  const read = useMemo(() => presenceReader(client, roomId), [client, roomId]);
  const subscribe = useCallback(
    (changed: () => void) => {
      if (client === null) return () => {};
      const release = holdRoom(rooms, roomId);
      const stop = listenTo(client, { presence: changed, state: changed });
      return () => {
        stop();
        release();
      };
    },
    [client, rooms, roomId],
  );
  const pick = useCallback(
    (base: Base) => (select === undefined ? base : { ...base, users: select(base.users) }),
    [select],
  ) as (base: Base) => PresenceResult<T>;
  const same = useCallback(
    (a: PresenceResult<T>, b: PresenceResult<T>) =>
      a.stale === b.stale && a.count === b.count && isEqual(a.users, b.users),
    [isEqual],
  );
  return useSelected(subscribe, read, serverPresence, pick, same);
}
