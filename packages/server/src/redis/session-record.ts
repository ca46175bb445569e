import type { SessionRecord } from '../core/ports/session-store';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a stored record; null for anything malformed (written by a different version, say). */
export function decodeRecord(text: string): SessionRecord | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(parsed) || parsed.v !== 1) return null;
  const { user, device_id: deviceId, device_type: deviceType, channels, anchors, away_from: awayFrom } = parsed;
  if (!isObject(user) || typeof user.id !== 'string' || typeof deviceId !== 'string') return null;
  if (typeof deviceType !== 'string' || !isObject(channels) || !Array.isArray(anchors)) return null;
  if (awayFrom !== undefined && typeof awayFrom !== 'string') return null;
  for (const span of Object.values(channels)) {
    if (!isObject(span) || typeof span.from !== 'string') return null;
    if (span.to !== undefined && typeof span.to !== 'string') return null;
  }
  for (const anchor of anchors) {
    if (!isObject(anchor) || typeof anchor.seq !== 'number' || typeof anchor.pos !== 'string') return null;
  }
  return parsed as unknown as SessionRecord;
}
