import type { DeviceType, User } from '@gateway/protocol';

/** Where a session's numbering and the events stream meet: dispatch `seq` was the last one at or before `pos`. */
export interface Anchor {
  readonly seq: number;
  readonly pos: string;
}

/**
 * When a channel reached the session, in stream positions: entries after `from`, up to and including `to`
 * (absent while the session is still on it).
 */
export interface ChannelSpan {
  readonly from: string;
  readonly to?: string;
}

/**
 * What another instance needs to rebuild a session (`{prefix}session:{id}`, field `data`; field `holder` names
 * the instance that has it). `channels` and `anchors` describe one stretch in which every dispatch of the
 * session came from the stream; both are empty while the holder cannot vouch for that (then the session can
 * be resumed only where it is).
 */
export interface SessionRecord {
  readonly v: 1;
  readonly user: User;
  readonly device_id: string;
  readonly device_type: DeviceType;
  readonly channels: Readonly<Record<string, ChannelSpan>>;
  /** Oldest first. */
  readonly anchors: readonly Anchor[];
}

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
  const { user, device_id: deviceId, device_type: deviceType, channels, anchors } = parsed;
  if (!isObject(user) || typeof user.id !== 'string' || typeof deviceId !== 'string') return null;
  if (typeof deviceType !== 'string' || !isObject(channels) || !Array.isArray(anchors)) return null;
  for (const span of Object.values(channels)) {
    if (!isObject(span) || typeof span.from !== 'string') return null;
    if (span.to !== undefined && typeof span.to !== 'string') return null;
  }
  for (const anchor of anchors) {
    if (!isObject(anchor) || typeof anchor.seq !== 'number' || typeof anchor.pos !== 'string') return null;
  }
  return parsed as unknown as SessionRecord;
}
