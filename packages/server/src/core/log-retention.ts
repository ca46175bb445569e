import { DEFAULT_LOG_RETENTION, type LogRetention } from './ports/room-logs';
import { type RoomPattern, roomMatcher } from './room-pattern';

/** Retention for the rooms a pattern names; bounds left out are the default's. */
export interface LogRetentionRule {
  readonly rooms: RoomPattern | readonly RoomPattern[];
  readonly maxEntries?: number;
  readonly maxAgeMs?: number;
  readonly maxBytes?: number;
}

/**
 * Each room's retention from the rules (the first whose pattern matches) or the default: a livestream chat
 * may keep a hundred messages for ten minutes while a team room keeps a thousand for a day.
 */
export function retentionResolver(
  rules: readonly LogRetentionRule[] = [],
  fallback: Partial<LogRetention> = {},
): (roomId: string) => LogRetention {
  const base: LogRetention = { ...DEFAULT_LOG_RETENTION, ...definedOnly(fallback) };
  const compiled = rules.map((rule) => ({
    matches: roomMatcher(Array.isArray(rule.rooms) ? rule.rooms : [rule.rooms as RoomPattern]),
    retention: { ...base, ...definedOnly(rule) },
  }));
  return (roomId) => compiled.find((rule) => rule.matches(roomId))?.retention ?? base;
}

function definedOnly(bounds: Partial<LogRetention>): Partial<LogRetention> {
  const out: { -readonly [K in keyof LogRetention]?: number } = {};
  if (bounds.maxEntries !== undefined) out.maxEntries = checked('maxEntries', bounds.maxEntries, 1);
  if (bounds.maxAgeMs !== undefined) out.maxAgeMs = checked('maxAgeMs', bounds.maxAgeMs, 1);
  if (bounds.maxBytes !== undefined) out.maxBytes = checked('maxBytes', bounds.maxBytes, 1);
  return out;
}

function checked(name: string, value: number, min: number): number {
  if (!(value >= min)) throw new RangeError(`Room log retention: ${name} must be at least ${min} (got ${value}).`);
  return value;
}
