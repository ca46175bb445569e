import type { ResolvedOptions } from '../options';
import type { Parts } from '../parts';
import type { BudgetStats } from '../types';

/** Every budgeted store's use, read at the time of asking (stats are rare; nothing is kept for them). */
export function budgetStats(
  parts: Pick<Parts, 'lifecycle' | 'history' | 'dedup' | 'recordings' | 'counters'>,
  options: ResolvedOptions,
): BudgetStats {
  const logs = options.backplane.logs?.usage?.();
  const detached = parts.lifecycle.detached();
  const history = parts.history.usage?.();
  const claims = parts.dedup.size;
  return {
    detached_sessions: { used: detached.sessions, max: options.maxDetachedSessions },
    detached_bytes: { used: detached.bytes, max: options.maxDetachedBytes },
    ...(history === undefined
      ? {}
      : {
          history_rooms: { used: history.rooms, max: options.historyMaxRooms },
          history_bytes: { used: history.bytes, max: options.historyMaxBytes },
        }),
    ...(claims === undefined ? {} : { dedup_claims: { used: claims, max: options.dedupMaxEntries } }),
    ...(logs === undefined
      ? {}
      : {
          room_log_rooms: { used: logs.rooms, max: logs.maxRooms },
          room_log_bytes: { used: logs.bytes, max: logs.maxBytes },
        }),
    recordings: { running: parts.recordings.size, max_per_session: options.maxRecordingsPerSession },
    evicted: { ...parts.counters.budgetEvictions(), ...(logs === undefined ? {} : { room_logs: logs.evicted }) },
  };
}
